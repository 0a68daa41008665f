import type { BlockAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { SlackServices } from '../../slack-services.ts';

/** An ephemeral note to the person who clicked, in the thread of the message they clicked on. */
export async function tellClicker(
  s: SlackServices,
  client: WebClient,
  body: BlockAction,
  text: string,
): Promise<void> {
  const channel = body.channel?.id ?? body.container?.channel_id;
  if (typeof channel !== 'string') return;
  const ts = body.message?.thread_ts ?? body.message?.ts;
  try {
    await client.chat.postEphemeral({
      channel,
      user: body.user.id,
      text,
      ...(typeof ts === 'string' ? { thread_ts: ts } : {}),
    });
  } catch (err) {
    s.logger.warn({ user: body.user.id, err: String(err) }, 'could not tell the clicker');
  }
}
