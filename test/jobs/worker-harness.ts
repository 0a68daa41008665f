import type { Redis } from 'ioredis';
import { expect } from 'vitest';
import { type Clock, systemClock } from '../../src/clock.ts';
import type { CloneEngine } from '../../src/clone/types.ts';
import type { CloneProgress, CloneRequest, CloneResult } from '../../src/core/types.ts';
import { bullPrefix, CLONE_QUEUE_NAME, createCloneQueue } from '../../src/jobs/clone-queue.ts';
import { type CloneWorker, type CloneWorkerDeps, createCloneWorker } from '../../src/jobs/clone-worker.ts';
import type { CloneNotifier, CloneQueue } from '../../src/jobs/types.ts';
import { createLogger } from '../../src/logger.ts';
import { createRequestStore } from '../../src/requests/request-store.ts';
import type { CloneRequestRecord, RequestStore } from '../../src/requests/types.ts';
import { connect, deleteKeys, freshPrefix } from '../requests/redis-fixture.ts';

/**
 * A CloneNotifier that records every call; `failFinished` makes the next N finished calls throw;
 * `hangStarted` makes the next started call "post" its reply and then never return (a worker dying right
 * after Slack answered); `findStarted` answers with `existingReply`.
 */
export class RecordingNotifier {
  readonly startedCalls: CloneRequestRecord[] = [];
  readonly progressCalls: CloneProgress[] = [];
  /** The record each progress call was given (its progressTs says which reply it edits). */
  readonly progressRecords: CloneRequestRecord[] = [];
  readonly finishedCalls: { record: CloneRequestRecord; result: CloneResult; delivered: boolean }[] = [];
  readonly findStartedCalls: CloneRequestRecord[] = [];
  failFinished = 0;
  hangStarted = false;
  existingReply: string | undefined;
  private ts = 0;

  readonly notifier: Required<CloneNotifier> = {
    started: async (record) => {
      this.startedCalls.push(record);
      this.ts += 1;
      const progressTs = `1700000000.${String(this.ts).padStart(6, '0')}`;
      if (this.hangStarted) {
        this.hangStarted = false;
        return new Promise<never>(() => {});
      }
      return { progressTs };
    },
    findStarted: async (record) => {
      this.findStartedCalls.push(record);
      return this.existingReply !== undefined ? { progressTs: this.existingReply } : {};
    },
    progress: async (record, progress) => {
      this.progressCalls.push(progress);
      this.progressRecords.push(record);
      return true;
    },
    finished: async (record, result) => {
      const fail = this.failFinished > 0;
      if (fail) this.failFinished -= 1;
      this.finishedCalls.push({ record, result, delivered: !fail });
      if (fail) throw new Error('slack answered 500');
    },
  };

  delivered() {
    return this.finishedCalls.filter((c) => c.delivered);
  }
}

/** Resolves once `check` is true (polled every 10 ms), or rejects after `timeoutMs` naming `what`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One worker "process": its own Redis connections, store and engine. */
export interface WorkerProcess {
  worker: CloneWorker;
  connection: Redis;
  storeConnection: Redis;
  /** Simulates the process dying: no more renewals, no more Redis, nothing more from its engine. */
  kill(freeze?: () => void): Promise<void>;
}

/** Everything a worker test needs, under a fresh prefix; `cleanup()` closes it all and deletes the keys. */
export async function workerHarness(options: { backoffMs?: number; attempts?: number; clock?: Clock } = {}) {
  const prefix = freshPrefix();
  const clock = options.clock ?? systemClock;
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const admin = connect();
  const store: RequestStore = createRequestStore(admin, { prefix, clock, logger });
  const queueConnection = connect();
  const queue: CloneQueue = createCloneQueue(queueConnection, {
    prefix,
    backoffMs: options.backoffMs ?? 20,
    ...(options.attempts !== undefined ? { attempts: options.attempts } : {}),
  });
  const recorder = new RecordingNotifier();
  const processes: WorkerProcess[] = [];

  const startWorker = async (
    engine: CloneEngine,
    over: Partial<Omit<CloneWorkerDeps, 'engine'>> = {},
  ): Promise<WorkerProcess> => {
    const connection = connect();
    const storeConnection = connect();
    const worker = await createCloneWorker({
      connection,
      engine,
      store: createRequestStore(storeConnection, { prefix, clock, logger }),
      notifier: recorder.notifier,
      clock,
      logger,
      concurrencyPerNode: 2,
      prefix,
      slotRetryMs: 30,
      ...over,
    });
    const proc: WorkerProcess = {
      worker,
      connection,
      storeConnection,
      async kill(freeze) {
        freeze?.();
        await worker.worker.close(true);
        connection.disconnect();
        storeConnection.disconnect();
      },
    };
    processes.push(proc);
    return proc;
  };

  const submit = async (request: Partial<CloneRequest> = {}): Promise<CloneRequestRecord> => {
    const record = await store.create({
      request: {
        template: { kind: 'vmid', vmid: 112 },
        name: 'test-clone',
        node: 'pve1',
        mode: 'full',
        ...request,
      },
      text: 'test',
      requester: { userId: 'U111' },
      channelId: 'C1',
      status: 'approved',
    });
    await queue.enqueue(record.id);
    return record;
  };

  /**
   * Fast-forwards the expiry of a job's BullMQ lock (`${prefix}bull:<queue>:<jobId>:lock`, a key with a TTL):
   * what a dead worker's lock does after lockDuration, without making a live worker's lock short and fragile.
   */
  const expireLock = async (jobId: string) => {
    expect(await admin.del(`${bullPrefix(prefix)}:${CLONE_QUEUE_NAME}:${jobId}:lock`)).toBe(1);
  };

  const cleanup = async () => {
    for (const p of processes) {
      await p.worker.close({ drainTimeoutMs: 2000 }).catch(() => {});
      p.connection.disconnect();
      p.storeConnection.disconnect();
    }
    await queue.close();
    queueConnection.disconnect();
    await deleteKeys(admin, prefix);
    admin.disconnect();
  };

  return { prefix, clock, logger, store, queue, recorder, startWorker, submit, cleanup, admin, expireLock };
}
