import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloneRequest } from '../../src/core/types.ts';
import { bullPrefix, CLONE_QUEUE_NAME, createCloneQueue } from '../../src/jobs/clone-queue.ts';
import {
  reconcileApprovedRequests,
  startApprovedReconciler,
} from '../../src/jobs/start-approved-reconciler.ts';
import type { CloneQueue } from '../../src/jobs/types.ts';
import { createLogger } from '../../src/logger.ts';
import { createRequestStore } from '../../src/requests/request-store.ts';
import type { RequestStore } from '../../src/requests/types.ts';
import {
  connect,
  deleteKeys,
  freshPrefix,
  type ManualClock,
  manualClock,
} from '../requests/redis-fixture.ts';

const MIN = 60_000;
const logger = createLogger('silent');
const request: CloneRequest = {
  template: { kind: 'vmid', vmid: 112 },
  name: 'web1',
  node: 'pve1',
  mode: 'full',
};

describe('the approved-request reconciler', () => {
  let prefix: string;
  let redis: ReturnType<typeof connect>;
  let clock: ManualClock;
  let store: RequestStore;
  let queue: CloneQueue;
  let inspect: Queue;

  beforeEach(() => {
    prefix = freshPrefix();
    redis = connect();
    clock = manualClock();
    store = createRequestStore(redis, { prefix, clock });
    queue = createCloneQueue(redis, { prefix });
    inspect = new Queue(CLONE_QUEUE_NAME, { connection: redis, prefix: bullPrefix(prefix) });
  });
  afterEach(async () => {
    await queue.close();
    await inspect.close();
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  /** A request approved at the current clock time by a process that died before it enqueued the job. */
  const strandedApproval = async () => {
    const r = await store.create({
      request,
      text: '112 as web1 on pve1',
      requester: { userId: 'U0REQUESTER' },
      channelId: 'C0CLONES',
      status: 'pending',
    });
    const t = await store.transition(r.id, ['pending'], 'approved', {
      decidedBy: 'U0BOSS',
      decidedAt: clock.now(),
    });
    expect(t.ok).toBe(true);
    return r.id;
  };
  const jobIds = async () =>
    (await inspect.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed'])).map((j) => j.id);

  it('queues an approved request that has no job once its grace has passed, and only once', async () => {
    const id = await strandedApproval();
    const deps = { store, queue, clock, logger, graceMs: 5 * MIN };

    clock.advance(4 * MIN);
    expect(await reconcileApprovedRequests(deps)).toEqual([]);
    expect(await jobIds()).toEqual([]);

    clock.advance(2 * MIN);
    // Two processes reconciling at the same moment add one job between them.
    const [a, b] = await Promise.all([reconcileApprovedRequests(deps), reconcileApprovedRequests(deps)]);
    expect([...a, ...b]).toContain(id);
    expect(await jobIds()).toEqual([id]);
    expect(await reconcileApprovedRequests(deps)).toEqual([]);
    expect(await jobIds()).toEqual([id]);
  });

  it('leaves pending, cloning and finished requests alone, and approved ones whose job is queued', async () => {
    const queuedId = await strandedApproval();
    await queue.enqueue(queuedId);
    const pending = await store.create({
      request,
      text: 'x',
      requester: { userId: 'U1' },
      channelId: 'C1',
      status: 'pending',
    });
    const cloning = await strandedApproval();
    await store.transition(cloning, ['approved'], 'cloning', { startedAt: clock.now() });
    clock.advance(60 * MIN);
    expect(await reconcileApprovedRequests({ store, queue, clock, logger })).toEqual([]);
    expect(await jobIds()).toEqual([queuedId]);
    expect((await store.get(pending.id))?.status).toBe('pending');
  });

  it('replaces a failed job of a request still approved (its worker gave up before it started cloning)', async () => {
    const id = await strandedApproval();
    await queue.enqueue(id);
    const workerConnection = connect();
    const worker = new Worker(
      CLONE_QUEUE_NAME,
      async () => {
        throw new UnrecoverableError('Connection is closed.');
      },
      { connection: workerConnection, prefix: bullPrefix(prefix) },
    );
    await new Promise<void>((resolve) => worker.once('failed', () => resolve()));
    await worker.close();
    workerConnection.disconnect();
    expect(await queue.jobState(id)).toBe('failed');
    clock.advance(10 * MIN);
    expect(await reconcileApprovedRequests({ store, queue, clock, logger })).toEqual([id]);
    expect(await queue.jobState(id)).toBe('waiting');
  });

  it('runs at start and then every interval until stopped', async () => {
    const id = await strandedApproval();
    clock.advance(10 * MIN);
    const stop = startApprovedReconciler({ store, queue, clock, logger, intervalMs: MIN });
    try {
      await expect.poll(jobIds).toEqual([id]);
      const later = await strandedApproval();
      clock.advance(6 * MIN);
      await expect.poll(jobIds).toContain(later);
    } finally {
      stop();
    }
  });
});
