import type { CliCommand } from '../cli-command.ts';
import { EXIT } from '../cli-command.ts';

/** Parsed `template …` arguments. */
export type TemplateCliArgs =
  | { action: 'repair'; base: number; node: string; dryRun: boolean; replace?: number }
  | { action: 'sync'; base: number };

const USAGE =
  'pve-clonebot template repair <base> --node <node> [--dry-run] [--replace <vmid>] | template sync <base>';

/** `repair 5 --node pve2 [--dry-run] [--replace 9205]` or `sync 5`, or what is wrong with them. */
export function parseTemplateArgs(args: readonly string[]): TemplateCliArgs | string {
  const [action, baseText, ...rest] = args;
  if (action !== 'repair' && action !== 'sync')
    return `Unknown template action '${action ?? ''}': use ${USAGE}`;
  if (baseText === undefined || !/^\d{1,2}$/.test(baseText))
    return `'${baseText ?? ''}' is not a base id: a base is a number from 0 to 99 (template VMIDs 9000 + node id*100 + base). Use ${USAGE}`;
  const base = Number(baseText);
  if (action === 'sync') {
    if (rest.length > 0) return `Unknown argument '${rest[0]}': use pve-clonebot template sync <base>`;
    return { action, base };
  }
  let node: string | undefined;
  let dryRun = false;
  let replace: number | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--dry-run') dryRun = true;
    else if (a === '--node' && rest[i + 1] !== undefined) node = rest[++i];
    else if (a === '--replace' && /^\d{3,9}$/.test(rest[i + 1] ?? '')) replace = Number(rest[++i]);
    else return `Unknown argument '${a}': use ${USAGE}`;
  }
  if (node === undefined || !/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/.test(node))
    return `Which node? Add --node <node> (a node name such as pve2): ${USAGE}`;
  return replace === undefined ? { action, base, node, dryRun } : { action, base, node, dryRun, replace };
}

/** `pve-clonebot template repair|sync`: recreate a base's copy on a node, or every missing copy. */
export const templateCommand: CliCommand = {
  name: 'template',
  usage: USAGE.replace('pve-clonebot ', ''),
  summary:
    'repair a template copy from a healthy copy of the same base (prints the plan; exit 0 repaired, 1 failed, 2 bad input), or sync every missing copy',
  async run(args, io) {
    const parsed = parseTemplateArgs(args);
    if (typeof parsed === 'string') {
      io.err(parsed);
      return EXIT.usage;
    }
    const { runTemplateCli } = await import('../../repair/run-template-cli.ts');
    return runTemplateCli(parsed, io);
  },
};
