import type { CliIo } from './cli-command.ts';
import { EXIT } from './cli-command.ts';
import { cliEnv } from './cli-env.ts';
import { COMMANDS } from './commands.ts';

/** Dispatches `argv` (without node and script) to its command, LOG_LEVEL `warn` unless set; resolves the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h') return runCli(['help'], io);
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(
      `Unknown command '${name}'. Commands: ${COMMANDS.map((c) => c.name).join(', ')} (see pve-clonebot help)`,
    );
    return EXIT.usage;
  }
  return command.run(args, { ...io, env: cliEnv(io.env) });
}
