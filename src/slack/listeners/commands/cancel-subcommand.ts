import { cancelRequest } from '../../decide-request.ts';
import { renderCommandError, renderNotice } from '../../messages/error-message.ts';
import type { CloneSubcommand } from './subcommand-types.ts';

/** `/clone cancel <request-id>`: for the requester or an approver; while cloning it stops the Proxmox task. */
export const cancelSubcommand: CloneSubcommand = {
  name: 'cancel',
  usage: '/clone cancel <request-id>',
  description: 'cancel a request (while cloning: stop the Proxmox task, which removes the half-made VM)',
  async run(ctx) {
    const id = ctx.args[0];
    if (id === undefined) {
      await ctx.respond(
        renderCommandError('Which request? Give its id.', 'See `/clone status` for yours.', this.usage),
      );
      return;
    }
    const outcome = await cancelRequest(ctx.services, id, ctx.userId);
    if (!outcome.ok) {
      await ctx.respond(renderNotice(`:warning: ${outcome.message}`));
      return;
    }
    await ctx.respond(
      renderNotice(
        outcome.previous === 'cloning'
          ? `:heavy_multiplication_x: Cancelling \`${id}\`: stopping the Proxmox clone task. The result will follow in the request's thread.`
          : `:heavy_multiplication_x: Cancelled \`${id}\`.`,
      ),
    );
  },
};
