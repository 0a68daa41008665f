import type { DiskEntry } from './disk-entries.ts';
import { formatBytes } from './format.ts';
import type { Finding, HealthTemplateInput } from './health-types.ts';
import { nodeTemplateVmid } from './node-template-vmid.ts';
import { finding } from './template-findings.ts';

/** One conforming copy of a base id on an online node, with what copies are compared on. */
export interface BaseCopy {
  node: string;
  vmid: number;
  base: number;
  bootDiskBytes?: number;
  ostype?: string;
  cloudInit?: DiskEntry;
}

const where = (c: BaseCopy) => `${c.vmid} on ${c.node}`;

/** Missing copies: every base id seen anywhere should exist on every online node with a node id. */
export function missingCopyFindings(
  copies: readonly BaseCopy[],
  bases: ReadonlySet<number>,
  onlineNodes: readonly { node: string; nodeId: number }[],
  everywhere: ReadonlyMap<number, { node: string; template: HealthTemplateInput }>,
): Finding[] {
  const out: Finding[] = [];
  for (const { node, nodeId } of onlineNodes) {
    for (const base of [...bases].sort((a, b) => a - b)) {
      const expected = nodeTemplateVmid(nodeId, base);
      if (!expected.ok || copies.some((c) => c.node === node && c.base === base)) continue;
      const vmid = expected.vmid;
      const s = { node, vmid, base };
      const elsewhere = everywhere.get(vmid);
      const source = copies.find((c) => c.base === base);
      const fix = elsewhere
        ? `migrate template ${vmid} from ${elsewhere.node} back to ${node} (qm migrate ${vmid} ${node}) or recreate it on ${node} from base ${base}`
        : `recreate template ${vmid} on ${node} from base ${base}${source ? ` (copy of template ${where(source)})` : ''}`;
      const msg = elsewhere
        ? `base ${base} has no copy on ${node}: template ${vmid} is on ${elsewhere.node} instead`
        : `base ${base} has no copy on ${node} (expected template ${vmid})`;
      out.push({
        ...finding(s, 'warning', 'copy-missing', msg, fix),
        id: `${node}/base-${base}/copy-missing`,
      });
    }
  }
  return out;
}

/** Drift between copies of one base id: boot disk size, OS type, cloud-init drive. Keyed by `node/vmid`. */
export function driftFindings(copies: readonly BaseCopy[]): Map<string, Finding[]> {
  const out = new Map<string, Finding[]>();
  const add = (c: BaseCopy, f: Finding) =>
    out.set(`${c.node}/${c.vmid}`, [...(out.get(`${c.node}/${c.vmid}`) ?? []), f]);
  const byBase = new Map<number, BaseCopy[]>();
  for (const c of copies) byBase.set(c.base, [...(byBase.get(c.base) ?? []), c]);
  for (const [base, group] of byBase) {
    if (group.length < 2) continue;
    for (const [code, value, show] of [
      ['copy-drift-disk-size', (c: BaseCopy) => c.bootDiskBytes, (v: number) => formatBytes(v)],
      ['copy-drift-ostype', (c: BaseCopy) => c.ostype, (v: string) => v],
    ] as const) {
      for (const { copy, others } of outliers(group, value as (c: BaseCopy) => string | number | undefined)) {
        const what = code === 'copy-drift-disk-size' ? 'boot disk size' : 'OS type';
        const mine = show(value(copy) as never);
        const theirs = others.map((o) => `${show(value(o) as never)} (${where(o)})`).join(', ');
        const s = { node: copy.node, vmid: copy.vmid, base };
        add(
          copy,
          finding(
            s,
            'warning',
            code,
            `template ${where(copy)}: ${what} ${mine} differs from other copies of base ${base}: ${theirs}`,
            `recreate template ${copy.vmid} on ${copy.node} from base ${base} so all copies match`,
          ),
        );
      }
    }
    const withCi = group.filter((c) => c.cloudInit);
    for (const c of group.filter((x) => !x.cloudInit)) {
      const ref = withCi[0];
      if (!ref?.cloudInit) break;
      const s = { node: c.node, vmid: c.vmid, base };
      const storage = ref.cloudInit.storage ?? 'local-lvm';
      add(
        c,
        finding(
          s,
          'warning',
          'cloudinit-missing',
          `template ${where(c)} has no cloud-init drive, but its copy ${where(ref)} has one (${ref.cloudInit.key})`,
          `add it: qm set ${c.vmid} --${ref.cloudInit.key} ${storage}:cloudinit (use a storage ${c.node} has)`,
        ),
      );
    }
  }
  return out;
}

/** Copies whose value differs from the majority; with no strict majority every differing copy is listed. */
function outliers(group: readonly BaseCopy[], value: (c: BaseCopy) => string | number | undefined) {
  const known = group.filter((c) => value(c) !== undefined);
  const counts = new Map<string | number, number>();
  for (const c of known)
    counts.set(value(c) as string | number, (counts.get(value(c) as string | number) ?? 0) + 1);
  if (counts.size < 2) return [];
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const majority = (sorted[0]?.[1] ?? 0) > (sorted[1]?.[1] ?? 0) ? sorted[0]?.[0] : undefined;
  return known
    .filter((c) => majority === undefined || value(c) !== majority)
    .map((copy) => ({ copy, others: known.filter((o) => o !== copy && value(o) !== value(copy)) }));
}
