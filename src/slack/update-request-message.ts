import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.ts';
import type { CloneRequestRecord } from '../requests/types.ts';
import { renderRequestMessage } from './messages/request-message.ts';

/**
 * Re-renders the request message (the thread parent) from `record`: status line, and buttons only while
 * pending. Best effort: a failed edit is logged, never thrown, because the record stays the truth.
 */
export async function updateRequestMessage(
  client: WebClient,
  record: CloneRequestRecord,
  logger: Logger,
): Promise<boolean> {
  if (record.messageTs === undefined) return false;
  try {
    await client.chat.update({
      channel: record.channelId,
      ts: record.messageTs,
      ...renderRequestMessage(record),
    });
    return true;
  } catch (err) {
    logger.warn(
      { requestId: record.id, status: record.status, err: String(err) },
      'could not update the request message',
    );
    return false;
  }
}
