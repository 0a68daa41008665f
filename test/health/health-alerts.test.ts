import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import type { HealthConfig } from '../../src/config.ts';
import { evaluateTemplateHealth } from '../../src/core/health-rules.ts';
import { createHealthWorker, type HealthWorker } from '../../src/health/create-health-worker.ts';
import { HEALTH_QUEUE_NAME } from '../../src/health/health-keys.ts';
import { recordHealthState } from '../../src/health/record-health-state.ts';
import { bullPrefix } from '../../src/jobs/clone-queue.ts';
import { createLogger } from '../../src/logger.ts';
import { DEMO_CHANNEL, type SlackSim, startSlackSim } from '../../src/sim/slack/index.ts';
import { createSlackHealthPublisher } from '../../src/slack/health-publisher.ts';
import { connect, deleteKeys, freshPrefix } from '../requests/redis-fixture.ts';
import { simClient } from '../sim/slack/sim-client.ts';
import { type HealthSim, startHealthSim } from './health-harness.ts';

const prefix = freshPrefix();
// No channel in the config: no schedulers run, the test adds each check job itself.
const config: HealthConfig = {
  channel: undefined,
  cron: '0 8 * * *',
  tz: undefined,
  checkIntervalMs: 900_000,
  lockStuckMs: 3_600_000,
};
let h: HealthSim;
let slack: SlackSim;
let redis: Redis;
let worker: HealthWorker;
let events: QueueEvents;

beforeAll(async () => {
  h = await startHealthSim();
  slack = await startSlackSim();
  redis = connect();
  worker = await createHealthWorker({
    connection: redis,
    proxmox: h.proxmox,
    publisher: createSlackHealthPublisher(simClient(slack), DEMO_CHANNEL.id),
    clock: systemClock,
    logger: createLogger('silent'),
    config,
    cloneConfig: { templateNodeIds: undefined },
    prefix,
  });
  events = new QueueEvents(HEALTH_QUEUE_NAME, { connection: connect(), prefix: bullPrefix(prefix) });
  await events.waitUntilReady();
});
afterAll(async () => {
  await worker.close();
  await events.close();
  await deleteKeys(redis, prefix);
  redis.disconnect();
  await slack.close();
  await h.close();
});

/** Runs one change check through the real queue and worker; returns the messages it posted to the channel. */
async function runCheck(): Promise<string[]> {
  const before = slack.messages(DEMO_CHANNEL.id).length;
  const job = await worker.queue.add('health-check', {});
  await job.waitUntilFinished(events, 10_000);
  return slack
    .messages(DEMO_CHANNEL.id)
    .slice(before)
    .map((m) => JSON.stringify(m.blocks));
}

describe('health change alerts', () => {
  it('announces current problems once on the first check, then only changes: broken 1, same 0, fixed 1', async () => {
    const baseline = await runCheck();
    expect(baseline).toHaveLength(1);
    expect(baseline[0]).toContain('Template health monitoring started');
    expect(baseline[0]).toContain('template *113*');
    expect(await runCheck()).toEqual([]);

    h.sim.faults.removeBootDisk(9300);
    const broke = await runCheck();
    expect(broke).toHaveLength(1);
    expect(broke[0]).toContain(':rotating_light: template *9300* (debian-12) on *pve3* is broken');
    expect(broke[0]).toContain('recreate template 9300 on pve3 from base 0: disk scsi0 missing');
    expect(broke[0]).not.toContain('*113*');

    expect(await runCheck()).toEqual([]);

    h.sim.faults.nodeOffline('pve3');
    expect(await runCheck()).toEqual([]); // unknown is not healthy: no "healthy again" while pve3 is away
    h.sim.faults.nodeOnline('pve3');
    expect(await runCheck()).toEqual([]);

    const vm = h.sim.vm(9300);
    h.sim.addVm({
      vmid: 9300,
      node: 'pve3',
      config: {
        ...vm?.config,
        scsi0: 'ceph:base-9300-disk-0,iothread=1,size=8G',
        boot: 'order=scsi0;ide2;net0',
      },
    });
    const fixed = await runCheck();
    expect(fixed).toHaveLength(1);
    expect(fixed[0]).toContain(':white_check_mark: template *9300* (debian-12) on *pve3* is healthy again');
    expect(await runCheck()).toEqual([]);
  });

  it('compare-and-store is atomic: of two overlapping checks one announces; an older one announces nothing', async () => {
    const p = freshPrefix();
    const nodeIds = new Map([['pve1', 1]]);
    const input = (broken: boolean) => ({
      nodeIds,
      thresholds: { lockStuckMs: 1 },
      nodes: [
        {
          node: 'pve1',
          online: true,
          storages: [],
          templates: [
            {
              vmid: 9100,
              config: broken ? { template: 1 } : { template: 1, scsi0: 'x:base-9100-disk-0,size=1G' },
            },
          ],
        },
      ],
    });
    await recordHealthState(redis, evaluateTemplateHealth(input(false), 1000), p);
    const broken = evaluateTemplateHealth(input(true), 2000);
    const results = await Promise.all([
      recordHealthState(redis, broken, p),
      recordHealthState(redis, broken, p),
    ]);
    expect(results.map((r) => r.changes.length).sort()).toEqual([0, 1]);
    const late = await recordHealthState(redis, evaluateTemplateHealth(input(false), 1500), p);
    expect(late).toMatchObject({ changes: [], stale: true });
    await deleteKeys(redis, p);
  });
});
