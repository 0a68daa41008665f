import { isRequestId } from '../../../requests/request-id.ts';
import { renderCommandError } from '../../messages/error-message.ts';
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
    await ctx.respond(renderRequestStatus(record));
  },
};
