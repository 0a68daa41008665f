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
