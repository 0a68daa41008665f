import type { ViewOutput } from '@slack/bolt';
import type { FailureReason } from '../../../core/types.ts';
import { SLACK_IDS } from '../../slack-ids.ts';

/** The `/clone` form's inputs as typed; undefined when left empty. */
export interface CloneModalInput {
  node?: string;
  template?: string;
  name?: string;
  mode: 'full' | 'linked';
  storage?: string;
  pool?: string;
  start?: boolean;
  sshKey?: boolean;
  user?: string;
  ip?: string;
  lease?: string;
}

/** Reads the form's state values (Slack's `{block_id: {action_id: value}}`). */
export function readCloneModal(view: ViewOutput, fallbackNode?: string): CloneModalInput {
  const v = view.state.values;
  const get = (block: string, action: string = SLACK_IDS.value) => v[block]?.[action];
  const text = (block: string) => {
    const entry = get(block);
    const raw = entry?.selected_option?.value ?? entry?.value ?? undefined;
    const t = raw?.trim();
    return t === undefined || t === '' ? undefined : t;
  };
  const node =
    get(SLACK_IDS.modalNodeBlock, SLACK_IDS.modalNodeAction)?.selected_option?.value ?? fallbackNode;
  const out: CloneModalInput = { mode: text(SLACK_IDS.modalModeBlock) === 'linked' ? 'linked' : 'full' };
  if (node !== undefined) out.node = node;
  const template = text(SLACK_IDS.modalTemplateBlock);
  if (template !== undefined) out.template = template;
  const name = text(SLACK_IDS.modalNameBlock);
  if (name !== undefined) out.name = name;
  const storage = text(SLACK_IDS.modalStorageBlock);
  if (storage !== undefined) out.storage = storage;
  const pool = text(SLACK_IDS.modalPoolBlock);
  if (pool !== undefined) out.pool = pool;
  const checked = (get(SLACK_IDS.modalVmOptionsBlock)?.selected_options ?? []).map((o) => o.value);
  if (checked.includes('start')) out.start = true;
  if (checked.includes('sshkey')) out.sshKey = true;
  for (const [block, key] of [
    [SLACK_IDS.modalUserBlock, 'user'],
    [SLACK_IDS.modalIpBlock, 'ip'],
    [SLACK_IDS.modalLeaseBlock, 'lease'],
  ] as const) {
    const value = text(block);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Which form field a preflight failure belongs to. */
export function fieldForReason(reason: FailureReason): string {
  switch (reason) {
    case 'invalid-request':
    case 'name-taken':
      return SLACK_IDS.modalNameBlock;
    case 'unknown-node':
    case 'node-offline':
      return SLACK_IDS.modalNodeBlock;
    case 'storage-invalid':
      return SLACK_IDS.modalStorageBlock;
    default:
      return SLACK_IDS.modalTemplateBlock;
  }
}
