import { describeHealthSummary } from '../core/health-summary.ts';
import type { Finding, HealthReport, NodeHealth } from '../core/health-types.ts';

const LABEL = { error: 'ERROR', warning: 'WARN ', info: 'note ' } as const;

function findingLines(f: Finding): string[] {
  const lines = [`  ${LABEL[f.severity]} ${f.message}`];
  if (f.severity !== 'info') lines.push(`        fix: ${f.fix}`);
  return lines;
}

function nodeLines(n: NodeHealth): string[] {
  const id = n.nodeId === undefined ? '' : ` (node id ${n.nodeId})`;
  if (!n.online) {
    const known = n.knownTemplates?.length ? `; last known templates: ${n.knownTemplates.join(', ')}` : '';
    return [
      `${n.node}${id}: OFFLINE, not checked${known}`,
      ...n.findings.flatMap((f) => [`        fix: ${f.fix}`]),
    ];
  }
  const broken = n.templates.filter((t) => !t.healthy);
  const lines = [
    `${n.node}${id}: ${n.templates.length} template${n.templates.length === 1 ? '' : 's'}, ${broken.length} with problems`,
  ];
  lines.push(...n.findings.flatMap(findingLines));
  for (const t of n.templates) {
    const order = [...t.findings].sort((a, b) => rank(a) - rank(b));
    lines.push(...order.flatMap(findingLines));
  }
  const healthy = n.templates.filter((t) => t.healthy);
  if (healthy.length > 0)
    lines.push(`  ok    ${healthy.map((t) => (t.name ? `${t.vmid} ${t.name}` : String(t.vmid))).join(', ')}`);
  return lines;
}

const rank = (f: Finding) => ({ error: 0, warning: 1, info: 2 })[f.severity];

/** `pve-clonebot health`: the summary, a section per node with each problem and its fix, then notes. */
export function renderHealthText(report: HealthReport): string[] {
  const when = new Date(report.checkedAt).toISOString().replace(/\.\d+Z$/, 'Z');
  const lines = [`Template health at ${when}: ${describeHealthSummary(report.summary)}`];
  for (const n of report.nodes) lines.push('', ...nodeLines(n));
  if (report.notes?.length) lines.push('', 'Notes:', ...report.notes.map((x) => `  - ${x}`));
  return lines;
}
