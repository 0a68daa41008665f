import { isRequestId } from '../../../requests/request-id.ts';
import { renderCommandError, renderRefusal } from '../../messages/error-message.ts';
import { renderRecentRequests, renderRequestStatus } from '../../messages/status-message.ts';
import type { CloneSubcommand } from './subcommand-types.ts';

const RECENT = 10;

/** `/clone status [request-id]`: one request's state, or the asker's recent requests. */
export const statusSubcommand: CloneSubcommand = {
  name: 'status',
  usage: '/clone status [request-id]',
  description: "a request's state, or your recent requests",
  async run(ctx) {
    const id = ctx.args[0];
    const { store } = ctx.services;
    if (id === undefined) {
      await ctx.respond(renderRecentRequests(await store.listByUser(ctx.userId, RECENT)));
      return;
    }
    const record = isRequestId(id) ? await store.get(id) : undefined;
    if (!record) {
      await ctx.respond(
        renderCommandError(
          `There is no request \`${id}\`.`,
          'Request ids look like cr-abcd2345.',
          this.usage,
        ),
      );
      return;
    }
    // A request made in a private channel or DM must not be readable by anyone who learns its id. Simplest safe
    // rule: its requester, an approver, or someone asking in the same channel (who can see its message anyway).
    const visible =
      record.requester.userId === ctx.userId ||
      record.channelId === ctx.channelId ||
      (await ctx.services.membership.check(ctx.services.config.approvers, ctx.userId)) === 'yes';
    if (!visible) {
      await ctx.respond(
        renderRefusal(
          `Request \`${id}\` is not shown to you: a request is only shown to its requester, approvers, and in the channel it was made in.`,
          `Ask in the channel where it was made, or ask its requester. \`/clone status\` alone lists your own requests.`,
        ),
      );
      return;
    }
    await ctx.respond(renderRequestStatus(record));
  },
};
