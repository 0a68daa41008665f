import type { CliCommand } from './cli-command.ts';
import { cloneCommand } from './commands/clone-command.ts';
import { healthCommand } from './commands/health-command.ts';
import { helpCommand } from './commands/help-command.ts';
import { simCommand } from './commands/sim-command.ts';
import { templateCommand } from './commands/template-command.ts';

/**
 * The command table: `pve-clonebot <name> …`. To add a command (e.g. `health`), write
 * src/cli/commands/<name>-command.ts exporting a CliCommand and list it here.
 */
export const COMMANDS: readonly CliCommand[] = [
  cloneCommand,
  healthCommand,
  templateCommand,
  simCommand,
  helpCommand(() => COMMANDS),
];
