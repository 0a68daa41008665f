import type { Finding } from './health-types.ts';

// A finding a repair fixes: the copy is missing, has no usable disk, or has drifted from the other copies.
const REPAIRABLE = new Set<Finding['code']>([
  'copy-missing',
  'no-disk',
  'disk-only-unused',
  'zero-size-disk',
  'copy-drift-disk-size',
  'copy-drift-ostype',
  'cloudinit-missing',
]);

/** The base and node a finding's Repair button repairs, or undefined when a repair does not fix it. */
export function repairTargetOf(f: Finding): { base: number; node: string } | undefined {
  if (f.base === undefined || f.node === undefined || f.severity === 'info' || !REPAIRABLE.has(f.code))
    return undefined;
  return { base: f.base, node: f.node };
}

/** The distinct repairs a list of findings offers, in order (one button per base and node). */
export function repairTargets(findings: readonly Finding[]): { base: number; node: string }[] {
  const out: { base: number; node: string }[] = [];
  for (const f of findings) {
    const t = repairTargetOf(f);
    if (t && !out.some((o) => o.base === t.base && o.node === t.node)) out.push(t);
  }
  return out;
}

/** The button value `5:pve2`, and back (undefined for anything else). */
export const repairButtonValue = (t: { base: number; node: string }) => `${t.base}:${t.node}`;
export function parseRepairButtonValue(value: string): { base: number; node: string } | undefined {
  const m = /^(\d{1,2}):([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)$/.exec(value);
  return m ? { base: Number(m[1]), node: m[2] as string } : undefined;
}
