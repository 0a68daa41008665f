import type { BlockAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { publishHome } from '../../publish-home.ts';
import type { SlackServices } from '../../slack-services.ts';

/** True when the click came from the clicker's App Home tab (no message, no channel: only the request id). */
export function fromHome(body: BlockAction): boolean {
  return body.view?.type === 'home';
}

/**
 * A note to the person who clicked: ephemeral in the thread of the message they clicked on, or, for a click
 * in their App Home tab, at the top of that tab, republished from the store.
 */
export async function tellClicker(
  s: SlackServices,
  client: WebClient,
  body: BlockAction,
  text: string,
): Promise<void> {
  if (fromHome(body)) {
    await publishHome(s, client, body.user.id, text);
    return;
  }
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

/** After a decision made in the App Home tab: republish it so the decided request leaves the pending list. */
export async function refreshHome(s: SlackServices, client: WebClient, body: BlockAction): Promise<void> {
  if (fromHome(body)) await publishHome(s, client, body.user.id);
}
