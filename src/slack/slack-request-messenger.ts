import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.ts';
import type { RequesterNotice, RequestMessenger } from '../requests/request-messenger.ts';
import type { CloneRequestRecord, RequestStore } from '../requests/types.ts';
import { renderRequestMessage } from './messages/request-message.ts';
import { escapeMrkdwn } from './messages/slack-limits.ts';
import { syncRequestMessage } from './sync-request-message.ts';
import { updateRequestMessage } from './update-request-message.ts';

/** The line told in the thread, escaped where it quotes what people typed. */
export function renderRequesterNotice(record: CloneRequestRecord, notice: RequesterNotice): string {
  const who = `<@${record.requester.userId}>`;
  if (notice.kind === 'denied') {
    const why = notice.reason ? `: ${escapeMrkdwn(notice.reason)}` : '.';
    return `${who} your request was denied by <@${notice.by}>${why}`;
  }
  if (notice.kind === 'not-approved') {
    // `why` is already escaped (the check's line: no user text in it).
    return `${who} an approver could not approve your request yet: ${notice.why}. It stays pending: once it fits, ask an approver to approve it again (or cancel it: \`/clone cancel ${record.id}\`).`;
  }
  return `${who} I could not queue the clone (the job queue did not answer), so nothing was started. ${escapeMrkdwn(`Try again in a moment: \`/clone ${notice.text}\``)}`;
}

/** The request service's messenger on Slack: the request message and the lines in its thread. */
export function createSlackRequestMessenger(deps: {
  client: WebClient;
  store: Pick<RequestStore, 'get'>;
  logger: Logger;
}): RequestMessenger {
  const { client, store, logger } = deps;
  return {
    async postRequest(record) {
      const res = await client.chat.postMessage({
        channel: record.channelId,
        ...renderRequestMessage(record),
      });
      return res.ts;
    },
    async showRequest(record) {
      await updateRequestMessage(client, record, logger);
    },
    followRequest(record) {
      void syncRequestMessage(client, store, record, logger);
    },
    async tellRequester(record, notice) {
      if (record.messageTs === undefined) return;
      await client.chat
        .postMessage({
          channel: record.channelId,
          thread_ts: record.messageTs,
          text: renderRequesterNotice(record, notice),
        })
        .catch((err: unknown) =>
          logger.warn({ requestId: record.id, err: String(err) }, 'could not post in the thread'),
        );
    },
  };
}
