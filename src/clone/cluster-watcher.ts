import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { ProxmoxClient } from '../proxmox/types.ts';
import { type CloneSnapshot, readClusterSnapshots } from './read-cluster-snapshots.ts';

export type { CloneSnapshot } from './read-cluster-snapshots.ts';

/** What a clone asks of the next poll. */
export interface PollWish {
  /** Clock time by which it wants a snapshot (default: one watcher interval after the last poll). */
  dueAt?: number;
  /** Whether it needs /cluster/resources in that poll (default true); the task list is always read. */
  needVm?: boolean;
}

/** Polls Proxmox for every clone being followed in this process, as often as the most pressing one asks. */
export interface ClusterWatcher {
  /**
   * Resolves with the clone's state from the next poll that starts after this call: at `wish.dueAt` at the
   * latest, earlier when another clone's poll comes first (the shared read costs nothing more); rejects with the
   * reason of the first of `signals` to abort. Several signals are listened to as they are, not combined with
   * AbortSignal.any: a combined signal per clone followed is a signal more, kept alive by its sources (issue 9).
   */
  next(upid: string, vmid: number, signals?: readonly AbortSignal[], wish?: PollWish): Promise<CloneSnapshot>;
  /** Polls, Proxmox calls, /cluster/resources reads and snapshots handed out (more than polls = shared). */
  stats(): { polls: number; calls: number; vmReads: number; snapshots: number };
  /** Stops polling; pending `next` calls reject. */
  close(): void;
}

interface Waiter {
  upid: string;
  vmid: number;
  dueAt: number;
  needVm: boolean;
  resolve: (s: CloneSnapshot) => void;
  reject: (e: unknown) => void;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * One ClusterWatcher per process: each poll makes ONE GET /cluster/tasks and at most ONE GET
 * /cluster/resources (only when a clone due now needs its lock) for every clone being followed; tasks missing
 * from the cluster list (it lags behind a just-started task, and shows a token without Sys.Audit none of its
 * own) cost one GET of their node's tasks, or a GET task status each when only one or two are missing (see
 * readClusterSnapshots). Polls come when the earliest clone wants one, never closer than `minIntervalMs`.
 */
export function createClusterWatcher(deps: {
  proxmox: ProxmoxClient;
  clock: Clock;
  logger: Logger;
  /** Clock time between polls for a clone that states no `dueAt` (default 2 s). */
  intervalMs?: number;
  /** Shortest clock time between two polls, however many clones ask (default 1 s, or intervalMs when shorter). */
  minIntervalMs?: number;
}): ClusterWatcher {
  const intervalMs = deps.intervalMs ?? 2000;
  const minIntervalMs = deps.minIntervalMs ?? Math.min(1000, intervalMs);
  let waiters: Waiter[] = [];
  let running = false;
  let closed = false;
  let lastPollAt = Number.NEGATIVE_INFINITY;
  let plannedAt = Number.POSITIVE_INFINITY;
  let replan: AbortController | undefined;
  const counts = { polls: 0, calls: 0, vmReads: 0, snapshots: 0 };
  const stopper = new AbortController();

  /**
   * Polls for every clone waiting now. The batch is taken here, not in loop(): a suspended loop would keep the
   * last batch (every clone's waiter, its closures and its settled promise) alive until the next poll.
   */
  async function pollOnce(startedAt: number): Promise<void> {
    const batch = waiters;
    waiters = [];
    counts.polls++;
    // Clones due within the minimum spacing would otherwise force another poll right after this one.
    const readVms = batch.some((w) => w.needVm && w.dueAt < startedAt + minIntervalMs);
    if (readVms) counts.vmReads++;
    const { snapshots, calls } = await readClusterSnapshots(deps, batch, readVms);
    counts.calls += calls;
    batch.forEach((w, i) => {
      counts.snapshots++;
      w.resolve(snapshots[i] as CloneSnapshot);
    });
  }

  /** Sleeps until the planned poll; false when a more pressing clone arrived meanwhile (plan again). */
  async function sleepUntilPlanned(ms: number): Promise<boolean> {
    const own = new AbortController();
    replan = own;
    try {
      await deps.clock.sleep(ms, AbortSignal.any([stopper.signal, own.signal]));
      return true;
    } catch (e) {
      if (closed || !own.signal.aborted) throw e;
      return false;
    } finally {
      replan = undefined;
      plannedAt = Number.POSITIVE_INFINITY;
    }
  }

  async function loop(): Promise<void> {
    running = true;
    try {
      while (!closed && waiters.length > 0) {
        const earliest = Math.min(...waiters.map((w) => w.dueAt));
        plannedAt = Math.max(earliest, lastPollAt + minIntervalMs);
        const wait = plannedAt - deps.clock.now();
        if (wait > 0 && !(await sleepUntilPlanned(wait))) continue;
        plannedAt = Number.POSITIVE_INFINITY;
        if (closed) break;
        lastPollAt = deps.clock.now();
        await pollOnce(lastPollAt);
      }
    } catch (e) {
      if (!closed) deps.logger.error({ err: message(e) }, 'cluster watcher stopped unexpectedly');
      for (const w of waiters) w.reject(e);
      waiters = [];
    } finally {
      running = false;
    }
  }

  return {
    next(upid, vmid, list = [], wish = {}) {
      if (closed) return Promise.reject(new Error('cluster watcher is closed'));
      const aborted = list.find((s) => s.aborted);
      if (aborted) return Promise.reject(aborted.reason);
      return new Promise<CloneSnapshot>((resolve, reject) => {
        const stopListening = () => {
          for (const s of list) s.removeEventListener('abort', onAbort);
        };
        const onAbort = (event: Event) => {
          stopListening();
          waiters = waiters.filter((w) => w !== waiter);
          reject((event.target as AbortSignal).reason);
        };
        const waiter: Waiter = {
          upid,
          vmid,
          dueAt: wish.dueAt ?? lastPollAt + intervalMs,
          needVm: wish.needVm ?? true,
          resolve: (s) => {
            stopListening();
            resolve(s);
          },
          reject: (e) => {
            stopListening();
            reject(e);
          },
        };
        for (const s of list) s.addEventListener('abort', onAbort, { once: true });
        waiters.push(waiter);
        if (!running) void loop();
        else if (waiter.dueAt < plannedAt) replan?.abort();
      });
    },
    stats: () => ({ ...counts }),
    close() {
      closed = true;
      stopper.abort(new Error('cluster watcher is closed'));
      for (const w of waiters) w.reject(new Error('cluster watcher is closed'));
      waiters = [];
    },
  };
}
