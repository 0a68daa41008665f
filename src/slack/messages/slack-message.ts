import type { KnownBlock } from '@slack/types';

/** A message as the bot sends it: blocks plus the plain-text fallback Slack shows in notifications. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}
