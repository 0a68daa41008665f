import type { CliCommand } from './cli-command.ts';
import { cloneCommand } from './commands/clone-command.ts';
import { healthCommand } from './commands/health-command.ts';
import { helpCommand } from './commands/help-command.ts';
import { simCommand } from './commands/sim-command.ts';

const lazy = (
  name: string,
  usage: string,
  summary: string,
  pick: (m: typeof import('./commands/vm-cli.ts')) => CliCommand['run'],
): CliCommand => ({
  name,
  usage,
  summary,
  // Loaded only when used: `pve-clonebot clone` does not load Slack or Redis.
  run: async (args, io) => pick(await import('./commands/vm-cli.ts'))(args, io),
});

const listCommand = lazy(
  'list',
  'list [--json]',
  'every clonebot VM: node, state, IP, owner, lease (exit 0 ok, 1 failed, 2 bad input)',
  (m) => m.runList,
);
const deleteCommand = lazy(
  'delete',
  'delete <vmid|name>',
  'stop and delete one clonebot VM, followed to its end (exit 0 ok, 1 failed, 2 bad input)',
  (m) => m.runDelete,
);
const leasesCommand = lazy(
  'leases',
  'leases sweep [--json]',
  'one lease sweep for cron: warn owners, stop and delete expired VMs (exit 0 ok, 1 a deletion failed, 2 bad input)',
  (m) => m.runLeases,
);

import { templateCommand } from './commands/template-command.ts';

/**
 * The command table: `pve-clonebot <name> …`. To add a command (e.g. `health`), write
 * src/cli/commands/<name>-command.ts exporting a CliCommand and list it here.
 */
export const COMMANDS: readonly CliCommand[] = [
  cloneCommand,
  healthCommand,
  templateCommand,
  listCommand,
  deleteCommand,
  leasesCommand,
  simCommand,
  helpCommand(() => COMMANDS),
];
