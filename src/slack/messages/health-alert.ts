import type { KnownBlock } from '@slack/types';
import type { HealthChange } from '../../core/health-changes.ts';
import { repairTargets } from '../../core/repair-target.ts';
import { packSections, splitIntoMessages } from './health-message-parts.ts';
import { findingEntry } from './health-report.ts';
import { repairButtons } from './repair-buttons.ts';
import { escapeMrkdwn } from './slack-limits.ts';
import type { SlackMessage } from './slack-message.ts';

const what = (c: HealthChange) =>
  c.vmid === undefined
    ? `node *${escapeMrkdwn(c.node)}*`
    : `template *${c.vmid}*${c.name ? ` (${escapeMrkdwn(c.name)})` : ''} on *${escapeMrkdwn(c.node)}*`;

function changeBlocks(c: HealthChange): KnownBlock[] {
  if (c.kind === 'healthy') return packSections(`:white_check_mark: ${what(c)} is healthy again`, []);
  if (c.kind === 'gone')
    return packSections(`:wastebasket: ${what(c)} is gone: its problems are no longer reported`, []);
  return [
    ...packSections(`:rotating_light: ${what(c)} is broken`, c.findings.map(findingEntry)),
    ...repairButtons(repairTargets(c.findings)),
  ];
}

/** The change alert: which templates broke (each new problem with its fix) and which are healthy again. */
export function renderHealthChanges(
  changes: readonly HealthChange[],
  opts: { first?: boolean } = {},
): SlackMessage[] {
  const broken = changes.filter((c) => c.kind === 'broken').length;
  const fixed = changes.length - broken;
  const counts = [broken > 0 ? `${broken} broken` : '', fixed > 0 ? `${fixed} healthy again` : '']
    .filter((x) => x !== '')
    .join(', ');
  const headline = opts.first
    ? `Template health monitoring started: ${broken} template${broken === 1 ? '' : 's'} with problems`
    : `Template health changed: ${counts}`;
  const head: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: `*${headline}*` } }];
  return splitIntoMessages(headline, head, changes.flatMap(changeBlocks), {
    title: 'Template health changes',
  });
}
