import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.ts';
import type { CloneRequestRecord, RequestStore } from '../requests/types.ts';
import { updateRequestMessage } from './update-request-message.ts';

/** Edits that may be needed when others move the request on while ours is in flight (a handful is plenty). */
const MAX_ROUNDS = 4;

/**
 * Brings the request message in line with the stored record, whoever else edits it meanwhile. The job is
 * queued before this runs, so a worker's "cloning" edit can land before ours ("approved"); re-reading the record
 * after each edit and editing again while it moved on means the last edit to land shows the newest state.
 * Best effort, like updateRequestMessage: the record stays the truth.
 */
export async function syncRequestMessage(
  client: WebClient,
  store: Pick<RequestStore, 'get'>,
  record: CloneRequestRecord,
  logger: Logger,
): Promise<void> {
  let shown = record;
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    if (!(await updateRequestMessage(client, shown, logger))) return;
    const now = await store.get(shown.id).catch(() => undefined);
    if (now === undefined || now.status === shown.status) return;
    shown = now;
  }
}
