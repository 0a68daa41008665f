import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeCluster } from './fake-clone-engine.ts';
import { until, workerHarness } from './worker-harness.ts';

type Harness = Awaited<ReturnType<typeof workerHarness>>;

// The worst moment to die: Slack has posted the progress reply, but its ts is not saved yet.
describe('a worker that dies while posting the progress reply', () => {
  let h: Harness;
  let cluster: FakeCluster;

  beforeEach(async () => {
    h = await workerHarness();
    cluster = new FakeCluster();
  });

  afterEach(async () => {
    await h.cleanup();
  });

  /** Runs a request on a worker that dies inside notifier.started, then resumes it on a second worker. */
  const dieWhilePosting = async () => {
    h.recorder.hangStarted = true;
    const dying = await h.startWorker(cluster.engine(), { stalledIntervalMs: 200 });
    const r = await h.submit();
    await until('the progress reply to be posted', () => h.recorder.startedCalls.length === 1);
    await dying.kill();
    await h.expireLock(r.id);
    expect(await h.store.get(r.id)).toMatchObject({ startPosting: true });
    expect((await h.store.get(r.id))?.startNotified).toBeUndefined();
    await h.startWorker(cluster.engine(), { stalledIntervalMs: 200 });
    await until('the clone task', () => cluster.running().length === 1);
    return r.id;
  };

  it('the resumed job adopts the reply the notifier finds, and posts no second one', async () => {
    h.recorder.existingReply = '1700000000.000001';
    const id = await dieWhilePosting();
    await until('a progress edit', () => h.recorder.progressRecords.length >= 1);
    cluster.finish(cluster.running()[0]?.upid as string);
    await until('delivery', () => h.recorder.delivered().length === 1);
    expect(h.recorder.startedCalls).toHaveLength(1);
    expect(h.recorder.findStartedCalls).toHaveLength(1);
    expect(h.recorder.progressRecords[0]?.progressTs).toBe('1700000000.000001');
    expect(await h.store.get(id)).toMatchObject({
      status: 'done',
      startNotified: true,
      progressTs: '1700000000.000001',
    });
  });

  it('without a reply to adopt, it still posts no second one, and the result is delivered', async () => {
    const id = await dieWhilePosting();
    cluster.finish(cluster.running()[0]?.upid as string);
    await until('delivery', async () => (await h.store.get(id))?.resultDelivered === true);
    expect(h.recorder.delivered()).toHaveLength(1);
    expect(h.recorder.startedCalls).toHaveLength(1);
    expect(h.recorder.findStartedCalls).toHaveLength(1);
    const record = await h.store.get(id);
    expect(record).toMatchObject({ status: 'done', startNotified: true, resultDelivered: true });
    expect(record?.progressTs).toBeUndefined();
  });
});
