import type { Finding, HealthReport } from './health-types.ts';

/** The problem ids (errors and warnings) of one template, or of a node itself (`pve4/node`). */
export interface HealthUnit {
  node: string;
  vmid?: number;
  ids: string[];
}

/** What the change alerts remember between checks. Units of `unknownNodes` (offline) were not checked. */
export interface HealthState {
  checkedAt: number;
  units: Record<string, HealthUnit>;
  unknownNodes: string[];
}

/** A template that broke (new problems, listed) or whose problems are all gone. */
export interface HealthChange {
  kind: 'broken' | 'healthy' | 'gone';
  node: string;
  vmid?: number;
  name?: string;
  /** broken: the new problems; healthy/gone: none. */
  findings: Finding[];
}

const unitKey = (f: { node?: string; vmid?: number }) => `${f.node ?? '-'}/${f.vmid ?? 'node'}`;

/** Every error/warning finding of a report, with the template or node it belongs to. */
export function problemFindings(report: HealthReport): Finding[] {
  return report.nodes
    .flatMap((n) => [...n.findings, ...n.templates.flatMap((t) => t.findings)])
    .filter((f) => f.severity !== 'info');
}

/** The state a report leaves: problem ids per template (or node); offline nodes marked unknown. */
export function healthState(report: HealthReport): HealthState {
  const units: Record<string, HealthUnit> = {};
  for (const f of problemFindings(report)) {
    const key = unitKey(f);
    const unit = units[key] ?? { node: f.node ?? '-', ids: [] };
    if (f.vmid !== undefined) unit.vmid = f.vmid;
    if (!unit.ids.includes(f.id)) unit.ids.push(f.id);
    units[key] = unit;
  }
  for (const u of Object.values(units)) u.ids.sort();
  return {
    checkedAt: report.checkedAt,
    units,
    unknownNodes: report.nodes.filter((n) => !n.online).map((n) => n.node),
  };
}

/**
 * What changed from `prev` to `cur` (cur already carrying over the units of nodes it could not check):
 * a unit with a problem id it did not have is `broken` (with the new findings); a unit whose ids are all
 * gone is `healthy` again, or `gone` when its template no longer exists. Without `prev` (the very first
 * check) every current problem is announced once.
 */
export function healthChanges(
  prev: HealthState | undefined,
  cur: HealthState,
  report: HealthReport,
): HealthChange[] {
  const byId = new Map(problemFindings(report).map((f) => [f.id, f]));
  const nameOf = (node: string, vmid?: number) =>
    report.nodes.find((n) => n.node === node)?.templates.find((t) => t.vmid === vmid)?.name;
  const exists = (node: string, vmid?: number) =>
    vmid === undefined ||
    (report.nodes.find((n) => n.node === node)?.templates.some((t) => t.vmid === vmid) ?? false) ||
    [...byId.values()].some((f) => f.node === node && f.vmid === vmid);
  const out: HealthChange[] = [];
  const describe = (kind: HealthChange['kind'], u: HealthUnit, findings: Finding[]) => {
    const c: HealthChange = { kind, node: u.node, findings };
    if (u.vmid !== undefined) c.vmid = u.vmid;
    const name = nameOf(u.node, u.vmid);
    if (name !== undefined) c.name = name;
    return c;
  };
  for (const [key, unit] of Object.entries(cur.units)) {
    const before = new Set(prev?.units[key]?.ids ?? []);
    const added = unit.ids.filter((id) => !before.has(id)).flatMap((id) => byId.get(id) ?? []);
    if (added.length > 0) out.push(describe('broken', unit, added));
  }
  for (const [key, unit] of Object.entries(prev?.units ?? {})) {
    if (cur.units[key] !== undefined) continue;
    out.push(describe(exists(unit.node, unit.vmid) ? 'healthy' : 'gone', unit, []));
  }
  const order = (c: HealthChange) => `${c.node}/${String(c.vmid ?? 0).padStart(10, '0')}`;
  return out.sort((a, b) => order(a).localeCompare(order(b)));
}
