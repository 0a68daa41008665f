import type { WebClient } from '@slack/web-api';
import type { CloneRequestRecord } from '../requests/types.ts';
import { progressBlockId } from './messages/progress-message.ts';

/** Pages of a thread read at most while looking for a progress reply (1000 messages each). */
const MAX_REPLY_PAGES = 5;

/**
 * The ts of the progress reply a dead worker posted under the request message: a bot's reply whose first
 * block carries the request's marker (conversations.replies; needs channels:history / groups:history).
 */
export async function findProgressReply(
  client: WebClient,
  record: CloneRequestRecord,
): Promise<string | undefined> {
  const marker = progressBlockId(record.id);
  let cursor: string | undefined;
  for (let page = 0; page < MAX_REPLY_PAGES; page += 1) {
    const res = await client.conversations.replies({
      channel: record.channelId,
      ts: record.messageTs as string,
      ...(cursor !== undefined ? { cursor } : {}),
    });
    const found = (res.messages ?? []).find(
      (m) =>
        m.ts !== record.messageTs &&
        m.bot_id !== undefined &&
        (m.blocks ?? []).some((b) => b.block_id === marker),
    );
    if (found?.ts !== undefined) return found.ts;
    cursor = res.response_metadata?.next_cursor;
    if (!res.has_more || !cursor) return undefined;
  }
  return undefined;
}
