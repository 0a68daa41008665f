import type { Queue, RepeatOptions } from 'bullmq';
import type { HealthConfig } from '../config.ts';

/** Job scheduler ids; upserting the same id again updates it, so every worker may register them. */
export const HEALTH_REPORT_SCHEDULER = 'health-report';
export const HEALTH_CHECK_SCHEDULER = 'health-check';

/** The job names the health worker handles. */
export type HealthJobName = typeof HEALTH_REPORT_SCHEDULER | typeof HEALTH_CHECK_SCHEDULER;

/** When the report and the change check run. */
export interface HealthSchedules {
  report: Omit<RepeatOptions, 'key'>;
  check: Omit<RepeatOptions, 'key'>;
}

/** HEALTH_REPORT_CRON (+ HEALTH_REPORT_TZ) for the report, HEALTH_CHECK_INTERVAL_MINUTES for the change check. */
export function healthSchedules(config: HealthConfig): HealthSchedules {
  return {
    report: { pattern: config.cron, ...(config.tz !== undefined ? { tz: config.tz } : {}) },
    check: { every: config.checkIntervalMs },
  };
}

const template = (name: HealthJobName) => ({
  name,
  data: {},
  opts: {
    // A failed post is retried from the part it stopped at (the job saves what it still has to send).
    attempts: 3,
    backoff: { type: 'exponential', delay: 10_000 },
    removeOnComplete: { count: 50 },
    removeOnFail: { count: 50 },
  },
});

/**
 * Registers (or updates) the two job schedulers. Idempotent by scheduler id: however many workers call it,
 * Redis holds one scheduler each and one job per tick. Without HEALTH_REPORT_CHANNEL both are removed.
 */
export async function registerHealthSchedules(
  queue: Queue,
  config: HealthConfig,
  schedules: HealthSchedules = healthSchedules(config),
): Promise<{ registered: boolean }> {
  if (config.channel === undefined) {
    await queue.removeJobScheduler(HEALTH_REPORT_SCHEDULER);
    await queue.removeJobScheduler(HEALTH_CHECK_SCHEDULER);
    return { registered: false };
  }
  await queue.upsertJobScheduler(
    HEALTH_REPORT_SCHEDULER,
    schedules.report,
    template(HEALTH_REPORT_SCHEDULER),
  );
  await queue.upsertJobScheduler(HEALTH_CHECK_SCHEDULER, schedules.check, template(HEALTH_CHECK_SCHEDULER));
  return { registered: true };
}
