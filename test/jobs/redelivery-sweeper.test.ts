import { afterEach, describe, expect, it } from 'vitest';
import { redeliverResults, startRedeliverySweeper } from '../../src/jobs/start-redelivery-sweeper.ts';
import { createRequestStore } from '../../src/requests/request-store.ts';
import type { RequestStore } from '../../src/requests/types.ts';
import { connect, type ManualClock, manualClock } from '../requests/redis-fixture.ts';
import { FakeCluster } from './fake-clone-engine.ts';
import { until, workerHarness } from './worker-harness.ts';

type Harness = Awaited<ReturnType<typeof workerHarness>>;
const MIN_AGE = 600_000;

describe('re-delivery of results no job will deliver any more', () => {
  let h: Harness;
  let clock: ManualClock;
  const closers: (() => unknown)[] = [];

  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    await h.cleanup();
  });

  /** A clone that succeeds, whose delivery fails `failures` times; `attempts` tries per job. */
  const cloneWithFailingDelivery = async (attempts: number, failures: number, backoffMs = 10) => {
    clock = manualClock();
    h = await workerHarness({ attempts, backoffMs, clock });
    const cluster = new FakeCluster();
    h.recorder.failFinished = failures;
    await h.startWorker(cluster.engine());
    const r = await h.submit();
    await until('the clone task', () => cluster.running().length === 1);
    cluster.finish(cluster.running()[0]?.upid as string);
    await until(
      'the delivery attempts',
      () => h.recorder.finishedCalls.length === Math.min(attempts, failures),
    );
    return r.id;
  };
  const deps = () => ({
    store: h.store,
    queue: h.queue,
    notifier: h.recorder.notifier,
    clock,
    logger: h.logger,
  });

  it('delivers a result whose job gave up, once, though two workers sweep at the same time', async () => {
    const id = await cloneWithFailingDelivery(2, 2);
    await until('the job to fail', async () => (await h.queue.jobState(id)) === 'failed');
    expect(await h.store.get(id)).toMatchObject({ status: 'done', result: { ok: true } });
    expect((await h.store.get(id))?.resultDelivered).toBeUndefined();

    // Saved just now: too recent to take over.
    expect(await redeliverResults({ ...deps(), minAgeMs: MIN_AGE })).toBe(0);
    clock.advance(MIN_AGE);
    const otherConnection = connect();
    closers.push(() => otherConnection.disconnect());
    // Both sweepers find the record before either claims it: only the claim can keep them apart.
    let listed = 0;
    const racing = (store: RequestStore): RequestStore => ({
      ...store,
      async listUndelivered(before, limit) {
        const found = await store.listUndelivered(before, limit);
        listed += 1;
        return found;
      },
      async claimDelivery(id, before) {
        await until('both sweepers to list', () => listed === 2);
        return store.claimDelivery(id, before);
      },
    });
    const otherStore = createRequestStore(otherConnection, { prefix: h.prefix, clock });
    // Slack is slow: the winner's post is held until the other sweeper has either given up or posted too.
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let posts = 0;
    const slow = {
      ...h.recorder.notifier,
      finished: async (...args: Parameters<typeof h.recorder.notifier.finished>) => {
        posts += 1;
        await gate;
        await h.recorder.notifier.finished(...args);
      },
    };
    let settled = 0;
    const sweeps = [
      redeliverResults({ ...deps(), store: racing(h.store), notifier: slow, minAgeMs: MIN_AGE }),
      redeliverResults({ ...deps(), store: racing(otherStore), notifier: slow, minAgeMs: MIN_AGE }),
    ].map((p) => p.finally(() => (settled += 1)));
    await until('one sweeper to give up, or both to post', () => settled === 1 || posts === 2);
    open();
    const counts = await Promise.all(sweeps);
    expect(posts).toBe(1);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(h.recorder.delivered()).toHaveLength(1);
    expect(h.recorder.delivered()[0]?.result).toMatchObject({ ok: true, vmid: 200 });
    expect((await h.store.get(id))?.resultDelivered).toBe(true);
    clock.advance(MIN_AGE);
    expect(await redeliverResults({ ...deps(), minAgeMs: MIN_AGE })).toBe(0);
  });

  it('leaves the delivery to the job while the job still retries it', async () => {
    const id = await cloneWithFailingDelivery(12, 1, 60_000);
    await until('the retry to be scheduled', async () => (await h.queue.jobState(id)) === 'delayed');
    clock.advance(3_600_000);
    expect(await redeliverResults({ ...deps(), minAgeMs: MIN_AGE })).toBe(0);
    expect(h.recorder.finishedCalls).toHaveLength(1);
  });

  it('sweeps at start-up and then periodically, retrying a delivery that fails again', async () => {
    const id = await cloneWithFailingDelivery(1, 1);
    await until('the job to fail', async () => (await h.queue.jobState(id)) === 'failed');
    clock.advance(MIN_AGE);
    h.recorder.failFinished = 1; // Slack is still down at start-up
    closers.push(startRedeliverySweeper({ ...deps(), minAgeMs: MIN_AGE, intervalMs: 60_000 }));
    await until('the start-up sweep', () => h.recorder.finishedCalls.length === 2);
    expect(h.recorder.delivered()).toHaveLength(0);
    await until('a later sweep to deliver', () => {
      clock.advance(60_000);
      return h.recorder.delivered().length === 1;
    });
    await until('resultDelivered', async () => (await h.store.get(id))?.resultDelivered === true);
    expect(h.recorder.finishedCalls).toHaveLength(3);
  });
});
