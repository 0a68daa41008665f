import type { SectionBlock } from '@slack/types';
import type { TemplateRef } from '../../core/types.ts';
import type { CloneRequestRecord } from '../../requests/types.ts';
import { escapeMrkdwn, SLACK_LIMITS, truncate } from './slack-limits.ts';

/** How a template reference reads in a message: `112`, `base 5`, `ubuntu-22`. */
export function templateLabel(ref: TemplateRef, resolvedVmid?: number): string {
  const label = ref.kind === 'vmid' ? String(ref.vmid) : ref.kind === 'base' ? `base ${ref.base}` : ref.name;
  return resolvedVmid !== undefined && ref.kind !== 'vmid' ? `${label} (VM ${resolvedVmid})` : label;
}

/** The request's parameters as section fields: template, name, node, mode, and storage/pool/target/VMID when set. */
export function requestFields(record: CloneRequestRecord): NonNullable<SectionBlock['fields']> {
  const r = record.request;
  const pairs: [string, string][] = [
    ['Template', templateLabel(r.template, record.checkpoint?.templateVmid)],
    ['Name', r.name],
    ['Node', r.node],
    ['Mode', r.mode === 'full' ? 'full clone' : 'linked clone'],
  ];
  if (r.target !== undefined) pairs.push(['Target node', r.target]);
  if (r.storage !== undefined) pairs.push(['Storage', r.storage]);
  if (r.pool !== undefined) pairs.push(['Pool', r.pool]);
  if (r.vmid !== undefined) pairs.push(['VMID', String(r.vmid)]);
  return pairs.slice(0, SLACK_LIMITS.fieldsPerSection).map(([k, v]) => ({
    type: 'mrkdwn',
    text: truncate(`*${k}*\n${escapeMrkdwn(v)}`, SLACK_LIMITS.fieldText),
  }));
}

/** One line naming the request, for notification fallbacks and logs: `112 → test-clone on pve1 (full)`. */
export function requestSummary(record: CloneRequestRecord): string {
  const r = record.request;
  return `${templateLabel(r.template)} → ${r.name} on ${r.node} (${r.mode})`;
}

/** A Slack date token: renders in the reader's time zone, with `fallback` for clients that cannot. */
export function slackDate(ms: number): string {
  const sec = Math.floor(ms / 1000);
  return `<!date^${sec}^{date_short_pretty} {time}|${new Date(sec * 1000).toISOString()}>`;
}
