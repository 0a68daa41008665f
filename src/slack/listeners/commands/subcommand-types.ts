import type { SlackMessage } from '../../messages/slack-message.ts';
import type { SlackServices } from '../../slack-services.ts';

/** What a `/clone <subcommand>` handler gets: who asked where, the words after the subcommand, a reply. */
export interface SubcommandContext {
  services: SlackServices;
  userId: string;
  channelId: string;
  args: string[];
  /** Answers the user ephemerally (via the command's response_url). */
  respond(message: SlackMessage): Promise<void>;
}

/** One `/clone` subcommand (`help`, `status`, `cancel`, and e.g. `health` from another module). */
export interface CloneSubcommand {
  name: string;
  /** `/clone status [request-id]`, for help. */
  usage: string;
  description: string;
  run(ctx: SubcommandContext): Promise<void>;
}
