import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeCluster } from './fake-clone-engine.ts';
import { until, workerHarness } from './worker-harness.ts';

type Harness = Awaited<ReturnType<typeof workerHarness>>;

describe('clone worker (fake cluster)', () => {
  let h: Harness;
  let cluster: FakeCluster;

  beforeEach(async () => {
    h = await workerHarness();
    cluster = new FakeCluster();
  });

  afterEach(async () => {
    await h.cleanup();
  });

  it('runs a request once: started, progress, finished; a second enqueue changes nothing', async () => {
    await h.startWorker(cluster.engine());
    const r = await h.submit();
    await h.queue.enqueue(r.id);
    await until('the clone task', () => cluster.running().length === 1);
    const task = cluster.running()[0];
    await until('the checkpoint', async () => (await h.store.get(r.id))?.checkpoint?.upid === task?.upid);
    cluster.finish(task?.upid as string);
    await until('delivery', () => h.recorder.delivered().length === 1);
    await until('resultDelivered', async () => (await h.store.get(r.id))?.resultDelivered === true);
    const record = await h.store.get(r.id);
    expect(record).toMatchObject({
      status: 'done',
      progressTs: '1700000000.000001',
      result: { ok: true, vmid: 200 },
    });
    expect(h.recorder.startedCalls).toHaveLength(1);
    expect(h.recorder.progressCalls.length).toBeGreaterThan(0);
    // The job id is the request id: enqueueing a finished request again is a no-op.
    await until('the job to complete', async () => (await h.queue.depth()) === 0);
    await h.queue.enqueue(r.id);
    expect(await h.queue.depth()).toBe(0);
    expect(cluster.posts).toHaveLength(1);
    expect(h.recorder.finishedCalls).toHaveLength(1);
  });

  it('never runs more than the per-node limit across two worker processes', async () => {
    await h.startWorker(cluster.engine(), { concurrencyPerNode: 2, concurrency: 4 });
    await h.startWorker(cluster.engine(), { concurrencyPerNode: 2, concurrency: 4 });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await h.submit({ name: `vm-${i}` })).id);
    ids.push((await h.submit({ name: 'other-node', node: 'pve2' })).id);
    let done = 0;
    while (done < 5) {
      await until('two clones on pve1', () => cluster.running('pve1').length === Math.min(2, 5 - done));
      expect(cluster.running('pve1').length).toBeLessThanOrEqual(2);
      const first = cluster.running('pve1')[0];
      cluster.finish(first?.upid as string);
      done += 1;
    }
    // The other node was never held up by pve1's queue.
    expect(cluster.running('pve2')).toHaveLength(1);
    cluster.finish(cluster.running('pve2')[0]?.upid as string);
    await until('six deliveries', () => h.recorder.delivered().length === 6);
    expect(cluster.maxRunning.get('pve1')).toBe(2);
    expect(cluster.posts).toHaveLength(6);
  });

  it('resumes a clone on another worker when the first dies mid-clone: one POST, one result', async () => {
    const dyingEngine = cluster.engine();
    // Default (30 s) locks: a live worker's lock never lapses on a busy machine; the death expires it. Every
    // worker checks for stalled jobs often (BullMQ throttles that check queue-wide by the last interval set).
    const dying = await h.startWorker(dyingEngine, { stalledIntervalMs: 200 });
    const r = await h.submit();
    await until('the clone task', () => cluster.running().length === 1);
    await until('the checkpoint', async () => (await h.store.get(r.id))?.checkpoint?.step === 'started');
    // The dying run's tick comes after the checkpoint is saved: killed before it, it never comes (frozen), and
    // the resumed run's tick alone made one, not two. Wait for it, so the second one is the resumed run's.
    await until("the dying run's progress", () => h.recorder.progressCalls.length === 1);
    await dying.kill(() => dyingEngine.freeze());
    await h.expireLock(r.id);
    await h.startWorker(cluster.engine(), { stalledIntervalMs: 200 });
    await until('resumed progress', () => h.recorder.progressCalls.length >= 2);
    cluster.finish(cluster.running()[0]?.upid as string);
    await until('delivery', () => h.recorder.delivered().length === 1);
    expect(cluster.posts).toHaveLength(1);
    expect(h.recorder.startedCalls).toHaveLength(1);
    expect(h.recorder.finishedCalls).toHaveLength(1);
    expect(await h.store.get(r.id)).toMatchObject({ status: 'done', result: { ok: true, vmid: 200 } });
  });

  it('retries only the delivery when the notifier fails twice', async () => {
    h.recorder.failFinished = 2;
    await h.startWorker(cluster.engine());
    const r = await h.submit();
    await until('the clone task', () => cluster.running().length === 1);
    cluster.finish(cluster.running()[0]?.upid as string);
    await until('delivery', () => h.recorder.delivered().length === 1);
    expect(h.recorder.finishedCalls.map((c) => c.delivered)).toEqual([false, false, true]);
    expect(cluster.posts).toHaveLength(1);
    // The retries went straight to delivery: the engine ran once.
    expect(cluster.runs).toBe(1);
    await until('resultDelivered', async () => (await h.store.get(r.id))?.resultDelivered === true);
  });

  it('stops the task when a cloning request is cancelled, and reports the cancellation', async () => {
    await h.startWorker(cluster.engine());
    const r = await h.submit();
    await until('the clone task', () => cluster.running().length === 1);
    const upid = cluster.running()[0]?.upid as string;
    expect(await h.store.cancel(r.id, 'U111')).toMatchObject({ ok: true, previous: 'cloning' });
    await until('delivery', () => h.recorder.delivered().length === 1);
    expect(cluster.tasks.get(upid)?.state).toBe('stopped');
    const record = await h.store.get(r.id);
    expect(record).toMatchObject({ status: 'cancelled', cancelledBy: 'U111', result: { ok: false } });
    expect(h.recorder.delivered()[0]?.result).toMatchObject({ diagnosis: { reason: 'cancelled' } });
  });

  it('does nothing for a request cancelled before a worker took it', async () => {
    const r = await h.store.create({
      request: { template: { kind: 'vmid', vmid: 112 }, name: 'x', node: 'pve1', mode: 'full' },
      text: 'x',
      requester: { userId: 'U111' },
      channelId: 'C1',
      status: 'approved',
    });
    await h.store.cancel(r.id, 'U111');
    const proc = await h.startWorker(cluster.engine());
    const ended = new Promise((resolve) =>
      proc.worker.worker.on('completed', (_job, outcome) => resolve(outcome)),
    );
    await h.queue.enqueue(r.id);
    expect(await ended).toBe('cancelled');
    expect(cluster.posts).toHaveLength(0);
    expect(h.recorder.startedCalls).toHaveLength(0);
  });
});
