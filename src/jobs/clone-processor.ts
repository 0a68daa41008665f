import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { Clock } from '../clock.ts';
import type { CloneEngine } from '../clone/types.ts';
import {
  exhaustedLockRetries,
  isRetryLater,
  type LockRetryPolicy,
  lockedStorage,
  lockRetryDelay,
} from '../core/lock-retry.ts';
import { mergeFields } from '../core/merge-fields.ts';
import type { CloneCheckpoint, CloneProgress, CloneRequest, CloneResult } from '../core/types.ts';
import type { Logger } from '../logger.ts';
import { createRequestMoves, type RequestMoves } from '../requests/request-moves.ts';
import type { CloneRequestRecord, FencedStore, RequestStore } from '../requests/types.ts';
import { cloneTimeDescription, type VmPreparer, type VmRequestFacts } from '../vm/create-vm-preparer.ts';
import { announceStart } from './announce-start.ts';
import type { CloneJobData } from './clone-queue.ts';
import { createLeaseKeeper } from './lease-keeper.ts';
import type { NodeSlots } from './node-slots.ts';
import type { CloneNotifier } from './types.ts';

/** What the clone processor needs; the worker wires it. */
export interface CloneProcessorDeps {
  engine: CloneEngine;
  store: RequestStore;
  notifier: CloneNotifier;
  slots: NodeSlots;
  clock: Clock;
  /** The clock node-slot leases are renewed by (shared by all workers). */
  leaseClock: Clock;
  logger: Logger;
  concurrencyPerNode: number;
  /** Cluster-wide slots per shared storage the clone writes; absent: only node slots. */
  sharedStorages?: SharedStorageLimit;
  /** Real milliseconds a job waits (delayed) before asking for a node slot again. */
  slotRetryMs: number;
  /** Abort controllers of the clones running in this process, by request id (cancellation). */
  running: Map<string, AbortController>;
  /**
   * The `lost` controllers of the attempts running in this process, by job id: the worker aborts one when it
   * could not renew that job's lock (the job may be another worker's already). Our own map, not BullMQ's
   * per-job abort signal: that would be one more AbortSignal per clone followed (issue 9).
   */
  attempts: Map<string, AbortController>;
  /** Storage lock timeouts: how often the job clones again, after how long (real ms, doubling). */
  lockRetry: LockRetryPolicy;
  /** After a successful clone: owner record, cloud-init, start and addresses (issue 10). Absent: clone only. */
  prepareVm?: VmPreparer;
  /** After each checkpoint is saved: wait for a Redis replica to hold it (Sentinel only; see waitForReplica). */
  replicate?: () => Promise<void>;
}

/** The shared storages a clone writes (sharedStoragesWritten), each limited to `limit` clones at once. */
export interface SharedStorageLimit {
  of(request: CloneRequest): Promise<string[]>;
  limit: number;
}

/**
 * The slot key of a shared storage, in the node-slot namespace: a node name cannot contain ':'
 * (pve-node format), so `storage:ceph` never meets a node's.
 */
export const storageSlotKey = (storage: string) => `storage:${storage}`;

/** Who asked and approved, for the VM's owner record. */
function vmFacts(record: CloneRequestRecord): VmRequestFacts {
  const facts: VmRequestFacts = {
    requestId: record.id,
    request: record.request,
    ownerId: record.requester.userId,
  };
  if (record.requester.userName !== undefined) facts.ownerName = record.requester.userName;
  if (record.decidedBy !== undefined) facts.approverId = record.decidedBy;
  return facts;
}

/** A leftover of a clone POSTed with this request's description: the Delete button expects to find it. */
function markLeftover(result: CloneResult, requestId: string): CloneResult {
  const leftover = result.ok ? undefined : result.diagnosis.leftover;
  if (result.ok || leftover === undefined) return result;
  return { ...result, diagnosis: { ...result.diagnosis, leftover: { ...leftover, requestId } } };
}

/** What a job returns: how it ended, for logs and the BullMQ UI. */
export type CloneJobOutcome = 'done' | 'failed' | 'cancelled' | 'skipped' | 'delivered';

/**
 * The clone job: load the record, take a node slot, run (or resume) the clone, save the result, then
 * deliver it. A retry after a delivery failure only delivers again; a retry after a worker death resumes
 * the same Proxmox task from the saved checkpoint.
 */
export function createCloneProcessor(deps: CloneProcessorDeps) {
  const { notifier, logger } = deps;
  // One renewal loop for the slot leases of every job this processor runs.
  const leases = createLeaseKeeper(deps.slots, deps.leaseClock, logger);

  /**
   * One attempt of one job, and what it may write with: every write is fenced to the job's BullMQ lock, so a
   * worker paused past its lock (GC, SIGSTOP, a network stall) whose job another worker took over has each
   * write refused; the first refusal aborts `lost`, and the run stops without another Proxmox call or Slack
   * message. The Proxmox task is left running: the new owner follows it.
   */
  interface Attempt {
    job: Job<CloneJobData>;
    token: string | undefined;
    store: FencedStore | RequestStore;
    moves: RequestMoves;
    lost: AbortController;
    /** Throws FencedOutError unless the job is still this worker's. */
    confirm(): Promise<void>;
  }

  const attempt = (job: Job<CloneJobData>, token: string | undefined): Attempt => {
    const lost = new AbortController();
    const id = job.data.requestId;
    let store: FencedStore | RequestStore = deps.store;
    let confirm = async () => {};
    if (token !== undefined) {
      const fenced = deps.store.fenced({
        key: `${job.queueQualifiedName}:${job.id}:lock`,
        token,
        onRefused: (error) => {
          if (!lost.signal.aborted) {
            logger.warn({ requestId: id }, 'job lock lost to another worker: stopping without another act');
          }
          lost.abort(error);
        },
      });
      store = fenced;
      confirm = () => fenced.confirm(id);
    }
    return { job, token, store, moves: createRequestMoves({ store, clock: deps.clock }), lost, confirm };
  };

  const deliver = async (a: Attempt, record: CloneRequestRecord): Promise<CloneJobOutcome> => {
    if (record.result === undefined) return 'skipped';
    const { moves } = a;
    // A worker that lost the job must not post the result its successor posts.
    await a.confirm();
    // throws → the job retries the hand-over, never the clone
    const handed = await notifier.finished(record, record.result);
    // An outbox took it: it saves the delivery and audits it; the job ends without waiting on Slack.
    if (handed === 'queued') return 'delivered';
    await moves.delivered(record.id);
    logger.info(
      {
        audit: true,
        requestId: record.id,
        status: record.status,
        at: new Date(deps.clock.now()).toISOString(),
      },
      `request ${record.id}: result delivered`,
    );
    return 'delivered';
  };

  /** Runs or resumes the clone and saves its result; returns the saved record, or why nothing ran. */
  const run = async (
    a: Attempt,
    // The record as it changes, in this one variable (the parameter itself): a suspended frame keeps every
    // variable it has, so a superseded copy still named would stay alive for the whole clone (issue 9).
    current: CloneRequestRecord | CloneJobOutcome,
    controller: AbortController,
  ): Promise<CloneRequestRecord | CloneJobOutcome | { retryInMs: number }> => {
    if (typeof current === 'string') return current;
    const { job, store, moves, lost } = a;
    const id = current.id;
    if (current.status === 'approved') current = await startRun(moves, id);
    if (typeof current === 'string') return current;
    if (current.status === 'cancelled') controller.abort(new Error('cancelled'));
    current = await announceStart(store, notifier, current, logger);
    const notified = current;
    let tick: Promise<unknown> | undefined;
    const onProgress = (progress: CloneProgress) => {
      // Saving the tick reads the record anyway: its status is the backstop for a cancel message this process
      // missed (pub/sub is fire-and-forget), checked once per progress interval during the long copy.
      const saving = moves.progress(id, progress).then(
        (saved) => {
          if (saved?.status === 'cancelled' && !controller.signal.aborted) {
            logger.info({ requestId: id }, 'request found cancelled: stopping the clone');
            controller.abort(new Error('cancelled'));
          }
        },
        (err: unknown) => logger.warn({ err, requestId: id }, 'could not save progress'),
      );
      if (tick) return; // the notifier is still busy with the previous tick: skip, the next one carries news
      // After the save: an outbox renders the progress saved in the record when its edit goes out. A refused
      // save (the job is another worker's now) means no edit either.
      tick = saving
        .then(() => (lost.signal.aborted ? false : notifier.progress(notified, progress)))
        .catch((err: unknown) => logger.warn({ err, requestId: id }, 'progress update failed'))
        .finally(() => {
          tick = undefined;
        });
    };
    const onCheckpoint = async (checkpoint: CloneCheckpoint) => {
      const saved = await store.update(id, { checkpoint });
      await deps.replicate?.();
      await job.updateData(mergeFields(job.data, { checkpoint }));
      // A backstop for a cancel message this process missed (not yet subscribed, or Redis blinked).
      if (saved?.status === 'cancelled') controller.abort(new Error('cancelled'));
    };
    logger.info(
      { requestId: id, node: current.request.node, resume: current.checkpoint?.step },
      'clone job running',
    );
    // Marked at clone time with this request's id: a leftover is known by it, never by VMID or name alone.
    const facts = vmFacts(current);
    const marked = mergeFields(current.request, {
      description: cloneTimeDescription(facts, deps.clock.now()),
    });
    const result = markLeftover(
      await deps.engine.cloneVmFromTemplate(marked, {
        ...(current.checkpoint !== undefined ? { resume: current.checkpoint } : {}),
        onCheckpoint,
        onProgress,
        signal: controller.signal,
        lost: lost.signal,
        confirmOwner: a.confirm,
      }),
      id,
    );
    await tick;
    if (lost.signal.aborted) throw lost.signal.reason;
    const later = await retryLater(a, current, result, controller.signal);
    if (later !== undefined) return later;
    const finished = finalResult(current, result);
    // Preparing the VM (cloud-init, start) is for the job's owner alone.
    if (finished.ok && deps.prepareVm) await a.confirm();
    const done =
      finished.ok && deps.prepareVm
        ? { ...finished, vm: await deps.prepareVm(facts, finished, controller.signal) }
        : finished;
    // Saved before delivery: a delivery retry finds it and never clones again.
    const final = await moves.finish(id, done);
    if (!final) throw new UnrecoverableError(`request ${id} vanished while cloning`);
    return final;
  };

  /** `start`: the record moved to cloning, or why this job does not run it. */
  const startRun = async (moves: RequestMoves, id: string): Promise<CloneRequestRecord | CloneJobOutcome> => {
    const t = await moves.start(id);
    if (!t.ok) return t.record?.status === 'cancelled' ? 'cancelled' : 'skipped';
    return t.record;
  };

  /**
   * A storage lock timeout is "retry later", never a plain failure: Proxmox already removed the failed attempt
   * (config and volumes), so the job forgets its checkpoint, says in the thread when it tries again, and is
   * re-queued with a doubling pause (the node slot is freed meanwhile). Undefined: save the result as it is.
   */
  const retryLater = async (
    a: Attempt,
    record: CloneRequestRecord,
    result: CloneResult,
    signal: AbortSignal,
  ): Promise<{ retryInMs: number } | undefined> => {
    if (!isRetryLater(result) || signal.aborted) return undefined;
    const { job, store } = a;
    const done = record.lockRetries?.count ?? 0;
    const delay = lockRetryDelay(done, deps.lockRetry);
    if (delay === undefined) return undefined;
    const fresh = await store.get(record.id);
    // Cancelled meanwhile (a stop message this process missed): no new attempt; the failure is the outcome.
    if (fresh?.status !== 'cloning') return undefined;
    const storage = lockedStorage(result) ?? 'the storage';
    const at = Date.now() + delay;
    const progress: CloneProgress = {
      phase: 'waiting-to-retry',
      elapsedMs: fresh.lastProgress?.elapsedMs ?? 0,
      timeoutMs: fresh.lastProgress?.timeoutMs ?? 0,
      retry: {
        attempt: done + 2,
        of: deps.lockRetry.retries + 1,
        at,
        inMs: delay,
        why: `Proxmox timed out waiting for the lock of storage ${storage} while creating the new disk (disk creation there is slow just now); it removed the partial VM`,
      },
      message: '',
    };
    progress.message = `Waiting to retry: storage ${storage} lock timeout; attempt ${done + 2} of ${deps.lockRetry.retries + 1} in ${Math.round(delay / 1000)}s`;
    // Back to 'verified' (no VMID, no task): the next run checks the template again and starts a new clone.
    const checkpoint: CloneCheckpoint = { step: 'verified' };
    if (fresh.checkpoint?.templateVmid !== undefined) checkpoint.templateVmid = fresh.checkpoint.templateVmid;
    if (fresh.checkpoint?.templateNode !== undefined) checkpoint.templateNode = fresh.checkpoint.templateNode;
    const saved = await store.update(record.id, {
      checkpoint,
      lastProgress: progress,
      // Real time, like the pauses (BullMQ delays are wall-clock).
      lockRetries: { count: done + 1, firstAt: record.lockRetries?.firstAt ?? Date.now() },
    });
    await job.updateData({ requestId: record.id, checkpoint });
    logger.warn(
      { requestId: record.id, storage, retry: done + 1, delayMs: delay, upid: result.upid },
      'storage lock timeout: cloning again later',
    );
    await a.confirm();
    await notifier
      .progress(saved ?? record, progress)
      .catch((err: unknown) => logger.warn({ err, requestId: record.id }, 'progress update failed'));
    return { retryInMs: delay };
  };

  /** The result to save: after used-up lock retries, one that says how many attempts were made. */
  const finalResult = (record: CloneRequestRecord, result: CloneResult): CloneResult => {
    if (!isRetryLater(result) || record.lockRetries === undefined) return result;
    const span = Date.now() - record.lockRetries.firstAt;
    return exhaustedLockRetries(result, record.lockRetries.count + 1, span);
  };

  /** Slot keys of the shared storages this clone writes; none (logged) when they cannot be read. */
  const storageSlots = async (record: CloneRequestRecord): Promise<string[]> => {
    if (deps.sharedStorages === undefined) return [];
    try {
      return (await deps.sharedStorages.of(record.request)).map(storageSlotKey);
    } catch (err) {
      // The engine's own checks report an unreadable template; a storage limit must not stop the clone.
      logger.warn(
        { requestId: record.id, err: String(err) },
        'could not tell which shared storages this clone writes: cloning without storage slots',
      );
      return [];
    }
  };

  // Two parameters: BullMQ then makes no abort signal per job (it checks the function's length); the worker
  // aborts `lost` through deps.attempts when the job's lock renewal failed (see clone-worker.ts). Outside the
  // run nothing waits to be stopped: the delivery confirms the lock itself, and every write is fenced.
  return async (job: Job<CloneJobData>, token?: string): Promise<CloneJobOutcome> => {
    const id = job.data.requestId;
    const a = attempt(job, token);
    const { store } = a;
    let record = await store.get(id);
    if (!record) throw new UnrecoverableError(`request ${id} not found (expired or never created)`);
    if (record.status === 'pending') throw new UnrecoverableError(`request ${id} is not approved`);
    if (record.resultDelivered) return 'skipped';
    if (record.result !== undefined) return deliver(a, record);
    if (record.status === 'denied' || record.status === 'expired') return 'skipped';
    // Cancelled before any worker started it: nothing ran; the canceller has already said so.
    if (record.status === 'cancelled' && record.startedAt === undefined) return 'cancelled';

    const node = record.request.node;
    const park = async (): Promise<never> => {
      // BullMQ's pattern for "not now": park the job without spending an attempt.
      await job.moveToDelayed(Date.now() + deps.slotRetryMs, token);
      throw new DelayedError();
    };
    if (!(await deps.slots.acquire(node, id, deps.concurrencyPerNode))) return park();
    const held = [node];
    const releaseAll = async () => {
      // Slots are leased by request id: a worker that lost the job would free its successor's (node and
      // storage alike). Left alone, they are the successor's, or expire by themselves.
      if (a.lost.signal.aborted) return;
      for (const key of held) {
        await deps.slots.release(key, id).catch((err: unknown) => {
          logger.warn(
            { err, requestId: id, slot: key },
            'could not release a clone slot (it expires by itself)',
          );
        });
      }
    };
    for (const key of await storageSlots(record)) {
      if (await deps.slots.acquire(key, id, deps.sharedStorages?.limit ?? 1)) {
        held.push(key);
        continue;
      }
      // The slots taken so far go back while it waits, so a waiting job holds up no other clone.
      logger.info({ requestId: id, slot: key }, 'shared storage at its clone limit: waiting');
      await releaseAll();
      return park();
    }
    const controller = new AbortController();
    // Registered before the status change, so a cancel published right after it finds this run.
    deps.running.set(id, controller);
    const jobId = job.id ?? id;
    deps.attempts.set(jobId, a.lost);
    const stopLeases = held.map((key) => leases.hold(key, id));
    let final: Awaited<ReturnType<typeof run>>;
    try {
      const running = run(a, record, controller);
      // The run keeps the record up to date from here; this frame must not keep the first one for the whole clone.
      record = undefined;
      final = await running;
    } finally {
      for (const stop of stopLeases) stop();
      deps.running.delete(id);
      await releaseAll();
      if (deps.attempts.get(jobId) === a.lost) deps.attempts.delete(jobId);
    }
    if (typeof final === 'string') return final;
    if ('retryInMs' in final) {
      // Like a busy node: park the job without spending an attempt; it runs the clone from the start.
      await job.moveToDelayed(Date.now() + final.retryInMs, token);
      throw new DelayedError();
    }
    // The slot is free before delivery: a Slack outage must not hold up other clones on the node. With the
    // outbox, delivery is only a hand-over: the job ends once the outcome is saved and queued.
    await deliver(a, final);
    return final.status as CloneJobOutcome;
  };
}
