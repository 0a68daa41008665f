import { cloneUsage, parseCloneCommand } from '../../core/parse-clone-command.ts';
import type { CliCommand } from '../cli-command.ts';
import { EXIT } from '../cli-command.ts';

/** `pve-clonebot clone 112 as test-clone on pve1 [full|linked] [storage S] [pool P] [vmid N] [target T]`. */
export const cloneCommand: CliCommand = {
  name: 'clone',
  usage: `${cloneUsage('clone')} [--json]`,
  summary:
    'clone a VM from a template, print progress and the result (exit 0 ok, 1 failed or not made as asked, 2 bad input)',
  async run(args, io) {
    const json = args.includes('--json');
    // With a policy file each template has its own maximum lease, checked once the template is known
    // (executeClone's applyClonePolicy), as /clone does: here only the past and negative durations.
    const parsed = parseCloneCommand(args.filter((a) => a !== '--json').join(' '), {
      command: 'pve-clonebot clone',
      now: Date.now(),
      ...(io.env.CLONE_POLICY_FILE?.trim() ? { maxLeaseMs: Number.MAX_SAFE_INTEGER } : {}),
    });
    if (!parsed.ok) {
      io.err(parsed.error);
      return EXIT.usage;
    }
    // Loaded only now: a typo gets its answer without loading the Proxmox client.
    const { executeClone } = await import('./execute-clone.ts');
    return executeClone(parsed.request, io, { json });
  },
};
