import { describeHealthSummary } from '../core/health-summary.ts';
import type { Finding, HealthReport, NodeHealth } from '../core/health-types.ts';
import { nodeHealthView, templateName } from './node-health-view.ts';

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
  const v = nodeHealthView(n);
  const lines = [`${n.node}${id}: ${v.title}`, ...v.problems.flatMap(findingLines)];
  if (v.healthy.length > 0) lines.push(`  ok    ${v.healthy.map(templateName).join(', ')}`);
  lines.push(...v.notes.flatMap(findingLines));
  return lines;
}

/** `pve-clonebot health`: the summary, a section per node with each problem and its fix, then notes. */
export function renderHealthText(report: HealthReport): string[] {
  const when = new Date(report.checkedAt).toISOString().replace(/\.\d+Z$/, 'Z');
  const lines = [`Template health at ${when}: ${describeHealthSummary(report.summary)}`];
  for (const n of report.nodes) lines.push('', ...nodeLines(n));
  if (report.notes?.length) lines.push('', 'Notes:', ...report.notes.map((x) => `  - ${x}`));
  return lines;
}
