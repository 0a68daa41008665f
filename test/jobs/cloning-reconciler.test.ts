import { Queue, Worker } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StartedClone } from '../../src/clone/find-started-clone.ts';
import type { CloneCheckpoint, CloneRequest, CloneResult } from '../../src/core/types.ts';
import { bullPrefix, CLONE_QUEUE_NAME, createCloneQueue } from '../../src/jobs/clone-queue.ts';
import {
  reconcileCloningRequests,
  startCloningReconciler,
} from '../../src/jobs/reconcile-cloning-requests.ts';
import type { CloneQueue } from '../../src/jobs/types.ts';
import { createLogger } from '../../src/logger.ts';
import { createRequestStore } from '../../src/requests/request-store.ts';
import type { CloneRequestRecord, RequestStore } from '../../src/requests/types.ts';
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

describe('the cloning-request reconciler (issue 14 item 4)', () => {
  let prefix: string;
  let redis: ReturnType<typeof connect>;
  let clock: ManualClock;
  let store: RequestStore;
  let queue: CloneQueue;
  let inspect: Queue;
  let worker: Worker | undefined;
  let posted: { record: CloneRequestRecord; result: CloneResult }[];
  let looked: CloneCheckpoint[];
  let startedAnswer: StartedClone;

  beforeEach(() => {
    prefix = freshPrefix();
    redis = connect();
    clock = manualClock();
    store = createRequestStore(redis, { prefix, clock });
    queue = createCloneQueue(redis, { prefix });
    inspect = new Queue(CLONE_QUEUE_NAME, { connection: redis, prefix: bullPrefix(prefix) });
    posted = [];
    looked = [];
    startedAnswer = { kind: 'not-started' };
  });
  afterEach(async () => {
    await worker?.close(true);
    worker = undefined;
    await queue.close();
    await inspect.close();
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  const deps = () => ({
    store,
    queue,
    clock,
    logger,
    notifier: {
      finished: async (record: CloneRequestRecord, result: CloneResult) => {
        posted.push({ record, result });
      },
    },
    findStartedClone: async (cp: CloneCheckpoint) => {
      looked.push(cp);
      return startedAnswer;
    },
  });

  /** A request a worker took up (status cloning, job active) with the given checkpoint. */
  const cloningRequest = async (checkpoint: CloneCheckpoint) => {
    const r = await store.create({
      request,
      text: '112 as web1 on pve1',
      requester: { userId: 'U0REQUESTER' },
      channelId: 'C0CLONES',
      status: 'approved',
    });
    expect((await store.transition(r.id, ['approved'], 'cloning', { startedAt: clock.now() })).ok).toBe(true);
    await store.update(r.id, { checkpoint });
    await queue.enqueue(r.id);
    return r.id;
  };

  /**
   * A worker frozen past its lock (SIGSTOP, a long GC) more often than maxStalledCount (0 here): BullMQ's
   * stalled check (moveStalledJobsToWait-9.lua) marks the job's failure as deferred ('defa') and puts it back
   * in wait; the next worker to take it fails it without running the processor (Worker.processJob,
   * getUnrecoverableErrorMessage). That worker's `failed` handler is the only thing that would record the
   * request's result, and it runs after the job is already failed: a process that dies (or a Redis write that
   * fails) at that moment strands the request `cloning` forever. Played by a worker with no handler.
   */
  const stallPastLimit = async (id: string) => {
    worker = new Worker(CLONE_QUEUE_NAME, null, {
      connection: connect(),
      prefix: bullPrefix(prefix),
      autorun: false,
      maxStalledCount: 0,
    });
    // The stalled check a worker runs on its stalledInterval timer (private in BullMQ's typings).
    const stalledCheck = worker as unknown as { moveStalledJobsToWait(): Promise<void> };
    const job = await worker.getNextJob('token-1');
    expect(job?.id).toBe(id);
    // The lock expired (the holder stopped renewing it).
    await redis.del(`${bullPrefix(prefix)}:${CLONE_QUEUE_NAME}:${id}:lock`);
    await stalledCheck.moveStalledJobsToWait(); // marks the active job as possibly stalled
    // The next check is throttled to one per stalledInterval (the script's stalled-check key).
    await redis.del(`${bullPrefix(prefix)}:${CLONE_QUEUE_NAME}:stalled-check`);
    await stalledCheck.moveStalledJobsToWait(); // still no lock: stalled once too often
    await worker.close(true);
    let ran = false;
    const next = new Worker(
      CLONE_QUEUE_NAME,
      async () => {
        ran = true;
      },
      { connection: connect(), prefix: bullPrefix(prefix), maxStalledCount: 0 },
    );
    worker = next;
    const failedReason = await new Promise<string>((resolve) =>
      next.on('failed', (_job, err) => resolve(err.message)),
    );
    expect(failedReason).toBe('job stalled more than allowable limit');
    expect(ran).toBe(false);
    expect(await (await inspect.getJob(id))?.getState()).toBe('failed');
    expect((await store.get(id))?.status).toBe('cloning');
  };

  it('a job BullMQ failed for stalling gets a final result: started task named, one reply, once', async () => {
    const upid = 'UPID:pve1:0000ABCD:00012345:6750F000:qmclone:112:clonebot@pve!worker:';
    const id = await cloningRequest({
      step: 'started',
      templateVmid: 112,
      templateNode: 'pve1',
      newVmid: 120,
      upid,
      startedAt: clock.now(),
    });
    await stallPastLimit(id);
    clock.advance(3 * MIN);

    expect(await reconcileCloningRequests(deps())).toEqual([id]);
    const record = await store.get(id);
    expect(record?.status).toBe('failed');
    const result = record?.result;
    expect(result?.ok).toBe(false);
    if (result?.ok !== false) throw new Error('expected a failure');
    expect(result.diagnosis.reason).toBe('worker-lost');
    expect(result.diagnosis.summary).toMatch(/worker lost this clone job/);
    expect(result.diagnosis.advice.join(' ')).toContain(upid);
    // No Delete button: the lost task may have made a good VM.
    expect(result.diagnosis.leftover).toBeUndefined();
    expect(result.upid).toBe(upid);
    expect(result.durationMs).toBe(3 * MIN);
    expect(looked).toEqual([]); // the UPID was saved: nothing to search for
    expect(posted.map((p) => p.record.id)).toEqual([id]);
    expect(record?.resultDelivered).toBe(true);

    expect(await reconcileCloningRequests(deps())).toEqual([]);
    expect(posted).toHaveLength(1);
  });

  it('a lost job whose checkpoint has a VMID but no UPID: searches for a started clone and says what it found', async () => {
    const cp: CloneCheckpoint = {
      step: 'allocated',
      templateVmid: 112,
      templateNode: 'pve1',
      newVmid: 121,
      startedAt: clock.now(),
    };
    const id = await cloningRequest(cp);
    await stallPastLimit(id);

    startedAnswer = { kind: 'not-started' };
    expect(await reconcileCloningRequests(deps())).toEqual([id]);
    expect(looked).toEqual([cp]);
    const result = (await store.get(id))?.result;
    if (result?.ok !== false) throw new Error('expected a failure');
    expect(result.diagnosis.advice[0]).toBe('Nothing was created on Proxmox: no clone had been started');
    expect(result.upid).toBeUndefined();
  });

  it('a job that is gone while its request is cloning is finished too; a live job is left alone', async () => {
    const gone = await cloningRequest({ step: 'verified', templateVmid: 112, templateNode: 'pve1' });
    await (await inspect.getJob(gone))?.remove();
    const live = await cloningRequest({ step: 'verified', templateVmid: 112, templateNode: 'pve1' });

    expect(await reconcileCloningRequests(deps())).toEqual([gone]);
    const result = (await store.get(gone))?.result;
    if (result?.ok !== false) throw new Error('expected a failure');
    expect(result.diagnosis.summary).toContain('its job is gone');
    expect((await store.get(live))?.status).toBe('cloning');
  });

  it('a result the notifier cannot hand over stays saved and undelivered, for the re-delivery sweep', async () => {
    const id = await cloningRequest({ step: 'verified', templateVmid: 112, templateNode: 'pve1' });
    await (await inspect.getJob(id))?.remove();
    const failing = {
      ...deps(),
      notifier: {
        finished: async () => {
          throw new Error('slack down');
        },
      },
    };
    expect(await reconcileCloningRequests(failing)).toEqual([id]);
    const record = await store.get(id);
    expect(record?.status).toBe('failed');
    expect(record?.resultDelivered).not.toBe(true);
    expect((await store.listUndelivered(clock.now() + 1)).map((r) => r.id)).toEqual([id]);
  });

  it('runs at start and then every interval until stopped', async () => {
    const first = await cloningRequest({ step: 'verified', templateVmid: 112, templateNode: 'pve1' });
    await (await inspect.getJob(first))?.remove();
    const stop = startCloningReconciler({ ...deps(), intervalMs: MIN });
    await expect.poll(async () => (await store.get(first))?.status).toBe('failed');

    const second = await cloningRequest({ step: 'verified', templateVmid: 112, templateNode: 'pve1' });
    await (await inspect.getJob(second))?.remove();
    clock.advance(MIN);
    await expect.poll(async () => (await store.get(second))?.status).toBe('failed');

    stop();
    const third = await cloningRequest({ step: 'verified', templateVmid: 112, templateNode: 'pve1' });
    await (await inspect.getJob(third))?.remove();
    clock.advance(MIN);
    await redis.ping(); // any pass the advance could have started would be under way by now
    expect((await store.get(third))?.status).toBe('cloning');
    expect(posted.map((p) => p.record.id)).toEqual([first, second]);
  });
});
