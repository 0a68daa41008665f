import type { CliCommand } from '../cli-command.ts';
import { EXIT } from '../cli-command.ts';

/** `pve-clonebot sim proxmox [--port N] [--scale N]`: the Proxmox simulator alone, until Ctrl-C. */
export const simCommand: CliCommand = {
  name: 'sim',
  usage: 'sim proxmox [--port N] [--scale N]',
  summary: 'start the Proxmox VE simulator (demo cluster) and print its URL and a token',
  async run(args, io) {
    const [what, ...rest] = args;
    if (what !== 'proxmox') {
      io.err(`Unknown simulator '${what ?? ''}': use pve-clonebot sim proxmox [--port N] [--scale N]`);
      return EXIT.usage;
    }
    const { runProxmoxSimCli } = await import('../../sim/proxmox/index.ts');
    let sim: Awaited<ReturnType<typeof runProxmoxSimCli>>;
    try {
      sim = await runProxmoxSimCli(rest, io.out);
    } catch (error) {
      io.err(error instanceof Error ? error.message : String(error));
      return EXIT.usage;
    }
    if (!io.signal.aborted) {
      await new Promise<void>((resolve) =>
        io.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
    }
    await sim.close();
    return EXIT.ok;
  },
};
