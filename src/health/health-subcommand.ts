import type { HealthReport } from '../core/health-types.ts';
import type { Logger } from '../logger.ts';
import type { CloneSubcommand } from '../slack/listeners/commands/subcommand-types.ts';
import { renderNotice } from '../slack/messages/error-message.ts';
import { renderHealthReport } from '../slack/messages/health-report.ts';
import { escapeMrkdwn } from '../slack/messages/slack-limits.ts';

/** A response_url takes 5 posts: one for "checking…", four for the report. */
const MAX_PARTS = 4;

/** `/clone health`: runs the template health check and answers the requester (ephemeral) with the report. */
export function healthSubcommand(deps: {
  check: () => Promise<HealthReport>;
  logger: Logger;
}): CloneSubcommand {
  return {
    name: 'health',
    usage: '/clone health',
    description: 'check every template on every node and show the problems with their fixes',
    async run(ctx) {
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
