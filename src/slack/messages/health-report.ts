import type { KnownBlock } from '@slack/types';
import { describeHealthSummary } from '../../core/health-summary.ts';
import type { Finding, HealthReport, NodeHealth } from '../../core/health-types.ts';
import { repairTargets } from '../../core/repair-target.ts';
import { nodeHealthView, templateName } from '../../health/node-health-view.ts';
import { context, packSections, splitIntoMessages } from './health-message-parts.ts';
import { repairButtons } from './repair-buttons.ts';
import { escapeMrkdwn } from './slack-limits.ts';
import type { SlackMessage } from './slack-message.ts';

const ICON = { error: ':x:', warning: ':warning:', info: ':information_source:' } as const;

/** One problem with its fix as a mrkdwn entry (info findings without the fix). */
export function findingEntry(f: Finding): string {
  const line = `${ICON[f.severity]} ${escapeMrkdwn(f.message)}`;
  return f.severity === 'info' ? line : `${line}\n        → _${escapeMrkdwn(f.fix)}_`;
}

function nodeBlocks(n: NodeHealth): KnownBlock[] {
  const id = n.nodeId === undefined ? '' : ` · node id ${n.nodeId}`;
  if (!n.online) {
    const known = n.knownTemplates?.length ? ` (last known templates: ${n.knownTemplates.join(', ')})` : '';
    return packSections(`*${escapeMrkdwn(n.node)}*${id} · :red_circle: offline, not checked${known}`, [
      ...n.findings.map((f) => `→ _${escapeMrkdwn(f.fix)}_`),
    ]);
  }
  const v = nodeHealthView(n);
  const icon = v.clean ? ':white_check_mark:' : ICON[v.worst ?? 'warning'];
  const entries = v.problems.map(findingEntry);
  // The same healthy line on every node; a healthy template's notes right under it.
  if (v.healthy.length > 0)
    entries.push(`:white_check_mark: healthy: ${escapeMrkdwn(v.healthy.map(templateName).join(', '))}`);
  entries.push(...v.notes.map((f) => `        ${findingEntry(f)}`));
  const all = [...n.findings, ...n.templates.flatMap((t) => t.findings)];
  return [
    ...packSections(`*${escapeMrkdwn(n.node)}*${id} · ${icon} ${v.title}`, entries),
    ...repairButtons(repairTargets(all)),
  ];
}

/**
 * The template health report as Slack messages: a summary (healthy, with problems, nodes offline), a section
 * per node with each problem and its fix, notes. Split into several messages when it exceeds 50 blocks;
 * `maxMessages` caps the count (an ephemeral answer may use its response_url only a few times).
 */
export function renderHealthReport(
  report: HealthReport,
  opts: { maxMessages?: number } = {},
): SlackMessage[] {
  const s = report.summary;
  const icon = s.ok ? ':white_check_mark:' : s.errors > 0 ? ':x:' : ':warning:';
  const summary = describeHealthSummary(s);
  const head: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Template health' } },
    { type: 'section', text: { type: 'mrkdwn', text: `${icon} ${escapeMrkdwn(summary)}` } },
  ];
  const body: KnownBlock[] = report.nodes.flatMap(nodeBlocks);
  const when = Math.floor(report.checkedAt / 1000);
  const notes = (report.notes ?? []).map((n) => escapeMrkdwn(n));
  body.push(
    context(
      [
        `Checked <!date^${when}^{date_short_pretty} {time}|${new Date(report.checkedAt).toISOString()}>`,
        ...notes,
      ].join(' · '),
    ),
  );
  return splitIntoMessages(`Template health: ${summary}`, head, body, {
    title: 'Template health',
    ...(opts.maxMessages !== undefined ? { maxMessages: opts.maxMessages } : {}),
    overflowNote: 'The report is longer than fits here: run `pve-clonebot health` for all of it.',
  });
}
