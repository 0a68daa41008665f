import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import type { HealthConfig } from '../../src/config.ts';
import { createHealthWorker, type HealthWorker } from '../../src/health/create-health-worker.ts';
import { HEALTH_QUEUE_NAME } from '../../src/health/health-keys.ts';
import { healthSchedules, registerHealthSchedules } from '../../src/health/health-schedules.ts';
import { bullPrefix } from '../../src/jobs/clone-queue.ts';
import { createLogger } from '../../src/logger.ts';
import { DEMO_CHANNEL, type SlackSim, startSlackSim } from '../../src/sim/slack/index.ts';
import { createSlackHealthPublisher } from '../../src/slack/health-publisher.ts';
import { connect, deleteKeys, freshPrefix } from '../requests/redis-fixture.ts';
import { simClient } from '../sim/slack/sim-client.ts';
import { type HealthSim, startHealthSim } from './health-harness.ts';

const config: HealthConfig = {
  channel: DEMO_CHANNEL.id,
  cron: '0 8 * * *',
  tz: 'Europe/Berlin',
  checkIntervalMs: 900_000,
  lockStuckMs: 3_600_000,
};
let h: HealthSim;
let slack: SlackSim;
const redis: Redis[] = [];
const prefixes: string[] = [];

beforeAll(async () => {
  h = await startHealthSim();
  slack = await startSlackSim();
});
afterAll(async () => {
  for (const p of prefixes) if (redis[0]) await deleteKeys(redis[0], p);
  for (const r of redis) r.disconnect();
  await slack.close();
  await h.close();
});

const conn = () => {
  const r = connect();
  redis.push(r);
  return r;
};

describe('scheduled health report', () => {
  it('registers the cron schedule in its time zone, and removes both without a channel', async () => {
    const prefix = freshPrefix();
    prefixes.push(prefix);
    const queue = new Queue(HEALTH_QUEUE_NAME, { connection: conn(), prefix: bullPrefix(prefix) });
    expect(healthSchedules(config)).toEqual({
      report: { pattern: '0 8 * * *', tz: 'Europe/Berlin' },
      check: { every: 900_000 },
    });
    await registerHealthSchedules(queue, config);
    await registerHealthSchedules(queue, config);
    expect(await queue.getJobSchedulersCount()).toBe(2);
    const report = await queue.getJobScheduler('health-report');
    expect(report).toMatchObject({ pattern: '0 8 * * *', tz: 'Europe/Berlin', name: 'health-report' });
    // The next report is due at 08:00 Berlin time.
    const next = new Date(Number(report?.next));
    const berlin = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      hour: '2-digit',
      minute: '2-digit',
    }).format(next);
    expect(berlin).toBe('08:00');
    expect(await queue.getJobScheduler('health-check')).toMatchObject({ every: 900_000 });

    await registerHealthSchedules(queue, { ...config, channel: undefined });
    expect(await queue.getJobSchedulersCount()).toBe(0);
    await queue.close();
  });

  it('with two workers running: one scheduler each, one job per tick, the report posted to the channel', async () => {
    const prefix = freshPrefix();
    prefixes.push(prefix);
    const schedules = { report: { every: 250 }, check: { every: 3_600_000 } };
    const start = () =>
      createHealthWorker({
        connection: conn(),
        proxmox: h.proxmox,
        publisher: createSlackHealthPublisher(simClient(slack), DEMO_CHANNEL.id),
        clock: systemClock,
        logger: createLogger('silent'),
        config,
        cloneConfig: { templateNodeIds: undefined },
        prefix,
        schedules,
      });
    const workers: HealthWorker[] = [await start(), await start()];
    const first = workers[0] as HealthWorker;
    expect(await first.queue.getJobSchedulersCount()).toBe(2);

    const reports = () =>
      slack.messages(DEMO_CHANNEL.id).filter((m) => JSON.stringify(m.blocks).includes('"Template health"'));
    await slack.waitUntil(() => reports().length >= 3, 10_000);
    await Promise.all(workers.map((w) => w.close()));

    const done = await first.queue.getJobs(['completed', 'failed', 'active']);
    const reportJobs = done.filter((j) => j.name === 'health-report');
    // Every tick made one job (its id names the tick), each ran once and posted one report.
    expect(new Set(reportJobs.map((j) => j.id)).size).toBe(reportJobs.length);
    expect(reportJobs.every((j) => j.finishedOn !== undefined && j.attemptsStarted === 1)).toBe(true);
    expect(reports().length).toBe(reportJobs.length);
    // And only one next tick waits, although two workers registered the scheduler.
    const next = (await first.queue.getJobs(['delayed', 'waiting', 'prioritized'])).filter(
      (j) => j.name === 'health-report',
    );
    expect(next).toHaveLength(1);
    // The hourly change check ran once (its first tick), announcing the current problems once.
    expect(done.filter((j) => j.name === 'health-check')).toHaveLength(1);
    const alerts = slack
      .messages(DEMO_CHANNEL.id)
      .filter((m) => JSON.stringify(m.blocks).includes('Template health monitoring started'));
    expect(alerts).toHaveLength(1);
    expect(JSON.stringify(reports()[0]?.blocks)).toContain('move the disk from unused0 back');
  });
});
