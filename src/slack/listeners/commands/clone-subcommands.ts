import { cancelSubcommand } from './cancel-subcommand.ts';
import { helpSubcommand } from './help-subcommand.ts';
import { keySubcommand } from './key-subcommand.ts';
import { statusSubcommand } from './status-subcommand.ts';
import type { CloneSubcommand } from './subcommand-types.ts';
import { deleteSubcommand, extendSubcommand, listSubcommand } from './vm-subcommands.ts';

/** The built-in subcommands followed by `extra`; a later entry with the same name replaces an earlier one. */
export function subcommandTable(extra: readonly CloneSubcommand[] = []): CloneSubcommand[] {
  const table = new Map<string, CloneSubcommand>();
  for (const sub of [
    helpSubcommand,
    statusSubcommand,
    cancelSubcommand,
    keySubcommand,
    listSubcommand,
    extendSubcommand,
    deleteSubcommand,
    ...extra,
  ])
    table.set(sub.name, sub);
  return [...table.values()];
}
