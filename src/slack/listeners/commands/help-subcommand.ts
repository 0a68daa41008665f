import { renderHelp } from '../../messages/help-message.ts';
import type { CloneSubcommand } from './subcommand-types.ts';

/** `/clone help`: grammar, examples, subcommands and the approval rules in force. */
export const helpSubcommand: CloneSubcommand = {
  name: 'help',
  usage: '/clone help',
  description: 'this help',
  async run(ctx) {
    const { services } = ctx;
    await ctx.respond(
      renderHelp({
        subcommands: services.subcommands,
        requireApproval: services.config.requireApproval,
        approvalTtlMs: services.config.approvalTtlMs,
      }),
    );
  },
};
