import type { HealthReport } from '../../../core/health-types.ts';
import type { Logger } from '../../../logger.ts';
import { renderNotice } from '../../messages/error-message.ts';
import { renderHealthReport } from '../../messages/health-report.ts';
import { escapeMrkdwn } from '../../messages/slack-limits.ts';
import { parseRepairArgs, submitRepair } from '../../submit-repair.ts';
import type { CloneSubcommand } from './subcommand-types.ts';

/** A response_url takes 5 posts: one for "checking…", four for the report. */
const MAX_PARTS = 4;

/** `/clone health`: runs the template health check and answers the requester (ephemeral) with the report. */
export function healthSubcommand(deps: {
  check: () => Promise<HealthReport>;
  logger: Logger;
}): CloneSubcommand {
  return {
    name: 'health',
    usage: '/clone health [repair <base> on <node> [replace <vmid>]]',
    description:
      'check every template on every node and show the problems with their fixes; approvers: repair a copy from a healthy one',
    async run(ctx) {
      if (ctx.args[0] === 'repair') {
        const parsed = parseRepairArgs(ctx.args.slice(1));
        const repairs = ctx.services.repairs;
        if (typeof parsed === 'string') await ctx.respond(renderNotice(`:warning: ${parsed}`));
        else if (!repairs)
          await ctx.respond(renderNotice(':no_entry: Template repairs are not enabled in this bot.'));
        else
          await ctx.respond(
            await submitRepair(
              { repairs, membership: ctx.services.membership, approvers: ctx.services.config.approvers },
              { ...parsed, userId: ctx.userId, channel: ctx.channelId },
            ),
          );
        return;
      }
      await ctx.respond(renderNotice(':stethoscope: Checking the templates on every node…'));
      let report: HealthReport;
      try {
        report = await deps.check();
      } catch (err) {
        deps.logger.warn({ err: String(err) }, '/clone health: check failed');
        await ctx.respond(
          renderNotice(
            `:x: The health check could not read the cluster: ${escapeMrkdwn(err instanceof Error ? err.message : String(err))}`,
          ),
        );
        return;
      }
      for (const part of renderHealthReport(report, { maxMessages: MAX_PARTS })) await ctx.respond(part);
    },
  };
}
