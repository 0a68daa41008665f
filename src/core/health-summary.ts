import type { HealthSummary, NodeHealth } from './health-types.ts';

/** Counts a report: templates healthy / with problems, errors, warnings, missing copies, nodes offline. */
export function summarizeHealth(nodes: readonly NodeHealth[]): HealthSummary {
  const templates = nodes.flatMap((n) => n.templates);
  const all = [...nodes.flatMap((n) => n.findings), ...templates.flatMap((t) => t.findings)];
  const errors = all.filter((f) => f.severity === 'error').length;
  const warnings = all.filter((f) => f.severity === 'warning').length;
  const healthy = templates.filter((t) => t.healthy).length;
  return {
    templates: templates.length,
    healthy,
    withProblems: templates.length - healthy,
    errors,
    warnings,
    missingCopies: all.filter((f) => f.code === 'copy-missing').length,
    nodesOnline: nodes.filter((n) => n.online).length,
    nodesOffline: nodes.filter((n) => !n.online).map((n) => n.node),
    ok: errors === 0 && warnings === 0,
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One line: `9 templates: 5 healthy, 4 with problems (3 errors, 2 warnings); 1 copy missing; offline: pve3`. */
export function describeHealthSummary(s: HealthSummary): string {
  const parts: string[] = [];
  if (s.ok) parts.push(`${s.templates === 1 ? 'the' : 'all'} ${plural(s.templates, 'template')} healthy`);
  else {
    const counts = [
      s.errors > 0 ? plural(s.errors, 'error') : '',
      s.warnings > 0 ? plural(s.warnings, 'warning') : '',
    ]
      .filter((x) => x !== '')
      .join(', ');
    parts.push(
      `${plural(s.templates, 'template')}: ${s.healthy} healthy, ${s.withProblems} with problems (${counts})`,
    );
  }
  if (s.missingCopies > 0)
    parts.push(`${plural(s.missingCopies, 'copy')} missing`.replace('copys', 'copies'));
  parts.push(`${plural(s.nodesOnline, 'node')} online`);
  if (s.nodesOffline.length > 0) parts.push(`offline: ${s.nodesOffline.join(', ')}`);
  return parts.join('; ');
}
