import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { HealthReport } from '../core/health-types.ts';
import type { Logger } from '../logger.ts';
import type { HealthPublisher } from './health-publisher.ts';
import { HEALTH_CHECK_SCHEDULER, HEALTH_REPORT_SCHEDULER } from './health-schedules.ts';
import { recordHealthState } from './record-health-state.ts';

/** A health job's data: what is still to be posted after a failed attempt. */
export interface HealthJobData {
  /** Rendered by the publisher, kept as JSON. */
  pending?: unknown[];
}

/** What a health job did. */
export interface HealthJobResult {
  posted: number;
  changes?: number;
}

/** What the processor needs. */
export interface HealthProcessorDeps {
  redis: Redis;
  check: () => Promise<HealthReport>;
  publisher: HealthPublisher;
  logger: Logger;
  prefix?: string;
}

/**
 * Runs one health job: `health-report` posts the whole report; `health-check` compares the problem ids with
 * the last check's (atomically) and posts the templates that broke or became healthy, once. Messages not yet
 * posted are saved in the job first, so a retry after a Slack failure posts the rest instead of losing them.
 */
export function createHealthProcessor(deps: HealthProcessorDeps) {
  return async (job: Job<HealthJobData, HealthJobResult>): Promise<HealthJobResult> => {
    let messages = job.data.pending;
    let changes: number | undefined;
    if (messages === undefined) {
      const report = await deps.check();
      if (job.name === HEALTH_REPORT_SCHEDULER) {
        messages = deps.publisher.renderReport(report);
      } else if (job.name === HEALTH_CHECK_SCHEDULER) {
        const recorded = await recordHealthState(deps.redis, report, deps.prefix);
        changes = recorded.changes.length;
        messages =
          changes > 0 ? deps.publisher.renderChanges(recorded.changes, { first: recorded.first }) : [];
      } else {
        throw new Error(`unknown health job ${job.name}`);
      }
      if (messages.length > 0) await job.updateData({ pending: messages });
    }
    let posted = 0;
    while (messages.length > 0) {
      await deps.publisher.post(messages[0]);
      posted++;
      messages = messages.slice(1);
      await job.updateData({ pending: messages });
    }
    deps.logger.info({ job: job.name, posted, changes }, 'health job done');
    return changes === undefined ? { posted } : { posted, changes };
  };
}
