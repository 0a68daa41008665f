import type { CliCommand } from '../cli-command.ts';
import { EXIT } from '../cli-command.ts';

/** `pve-clonebot health [--json]`: the template health report; exit 0 healthy, 1 broken, 2 bad input, 3 check failed. */
export const healthCommand: CliCommand = {
  name: 'health',
  usage: 'health [--json] [--prefix P]',
  summary:
    'check every template on every node, print each problem with its fix (exit 0 healthy, 1 broken, 2 bad input, 3 check failed)',
  async run(args, io) {
    const { parseHealthArgs, runHealthCli } = await import('../../health/run-health-cli.ts');
    const parsed = parseHealthArgs(args);
    if (typeof parsed === 'string') {
      io.err(parsed);
      return EXIT.usage;
    }
    return runHealthCli(parsed, io);
  },
};
