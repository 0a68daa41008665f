import type { Finding, NodeHealth, TemplateHealth } from '../core/health-types.ts';

/** An online node's findings grouped the way both health renderers (Slack, CLI) show them. */
export interface NodeHealthView {
  /** Headline counts: `3 templates, 1 with problems; 1 node-level problem` or `2 templates healthy`. */
  title: string;
  /** No error or warning on the node or any of its templates. */
  clean: boolean;
  worst: 'error' | 'warning' | undefined;
  /** Node-level errors and warnings (a missing copy of a base, no node id), then each broken template's. */
  problems: Finding[];
  healthy: TemplateHealth[];
  /** Info lines: a healthy template's notes and the node's. A broken template's notes are left out. */
  notes: Finding[];
}

const rank = (f: Finding) => ({ error: 0, warning: 1, info: 2 })[f.severity];
const isProblem = (f: Finding) => f.severity !== 'info';
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `9105 tpl-9105` or `9105`. */
export function templateName(t: TemplateHealth): string {
  return t.name ? `${t.vmid} ${t.name}` : String(t.vmid);
}

/**
 * Groups an online node's findings. Node-level problems count in the headline (a node whose templates are
 * fine can still miss a copy); a template with errors loses its info notes, which would only distract.
 */
export function nodeHealthView(n: NodeHealth): NodeHealthView {
  const nodeProblems = n.findings.filter(isProblem).sort((a, b) => rank(a) - rank(b));
  const broken = n.templates.filter((t) => !t.healthy);
  const brokenFindings = broken.flatMap((t) => {
    const hasError = t.findings.some((f) => f.severity === 'error');
    return t.findings.filter((f) => !hasError || isProblem(f)).sort((a, b) => rank(a) - rank(b));
  });
  const healthy = n.templates.filter((t) => t.healthy);
  const templates = plural(n.templates.length, 'template');
  const parts = [broken.length > 0 ? `${templates}, ${broken.length} with problems` : `${templates} healthy`];
  if (nodeProblems.length > 0) parts.push(plural(nodeProblems.length, 'node-level problem'));
  const problems = [...nodeProblems, ...brokenFindings];
  const severities = problems.map((f) => f.severity);
  return {
    title: parts.join('; '),
    clean: broken.length === 0 && nodeProblems.length === 0,
    worst: severities.includes('error') ? 'error' : severities.includes('warning') ? 'warning' : undefined,
    problems,
    healthy,
    notes: [...healthy.flatMap((t) => t.findings), ...n.findings.filter((f) => !isProblem(f))],
  };
}
