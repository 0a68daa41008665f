import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { ClusterTask, ClusterVm, ProxmoxClient } from '../proxmox/types.ts';

/** What one shared poll saw of one clone: its task (by UPID) and its new VM (by VMID). */
export interface CloneSnapshot {
  /** Clock time of the poll. */
  at: number;
  /** The task's state; undefined when neither /cluster/tasks nor the task status could be read. */
  task?: { status: 'running' | 'stopped'; exitstatus?: string };
  /** Whether /cluster/resources was read in this poll (if not, `vm` says nothing). */
  vmKnown: boolean;
  /** The new VM in /cluster/resources; undefined when absent (not yet created, or removed by Proxmox). */
  vm?: ClusterVm;
  /** The read errors of this poll, if any (transient errors are tolerated: keep polling). */
  errors: string[];
}

/** Polls Proxmox once per interval for every clone being followed in this process. */
export interface ClusterWatcher {
  /** Resolves with the clone's state from the next poll that starts after this call; rejects on abort. */
  next(upid: string, vmid: number, signal?: AbortSignal): Promise<CloneSnapshot>;
  /** Polls made and Proxmox calls made by the watcher so far. */
  stats(): { polls: number; calls: number };
  /** Stops polling; pending `next` calls reject. */
  close(): void;
}

interface Waiter {
  upid: string;
  vmid: number;
  resolve: (s: CloneSnapshot) => void;
  reject: (e: unknown) => void;
}

/** The node named in a UPID (`UPID:pve1:…`), where its status lives. */
export function upidNode(upid: string): string | undefined {
  return /^UPID:([^:]+):/.exec(upid)?.[1];
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Maps a /cluster/tasks entry to a task state: no endtime/status = running; ended → status is the exit status. */
function taskState(t: ClusterTask): NonNullable<CloneSnapshot['task']> {
  if (t.endtime === undefined && (t.status === undefined || t.status === '' || t.status === 'running')) {
    return { status: 'running' };
  }
  return t.status === undefined ? { status: 'stopped' } : { status: 'stopped', exitstatus: t.status };
}

/**
 * One ClusterWatcher per process: per interval ONE GET /cluster/tasks and ONE GET /cluster/resources serve
 * every clone being followed; only a task missing from the cluster list (the list lags a little behind a
 * just-started task) costs its own GET task status.
 */
export function createClusterWatcher(deps: {
  proxmox: ProxmoxClient;
  clock: Clock;
  logger: Logger;
  /** Clock time between polls (default 2 s). */
  intervalMs?: number;
}): ClusterWatcher {
  const intervalMs = deps.intervalMs ?? 2000;
  let waiters: Waiter[] = [];
  let running = false;
  let closed = false;
  let lastPollAt = Number.NEGATIVE_INFINITY;
  let polls = 0;
  let calls = 0;
  const stopper = new AbortController();

  async function pollOnce(batch: Waiter[]): Promise<void> {
    polls++;
    calls += 2;
    const [tasks, vms] = await Promise.allSettled([
      deps.proxmox.listClusterTasks(),
      deps.proxmox.listClusterVms(),
    ]);
    const at = deps.clock.now();
    const errors: string[] = [];
    if (tasks.status === 'rejected') errors.push(`GET /cluster/tasks: ${message(tasks.reason)}`);
    if (vms.status === 'rejected') errors.push(`GET /cluster/resources: ${message(vms.reason)}`);
    const byUpid = new Map<string, ClusterTask>();
    if (tasks.status === 'fulfilled') for (const t of tasks.value) byUpid.set(t.upid, t);
    const byVmid = new Map<number, ClusterVm>();
    if (vms.status === 'fulfilled') for (const v of vms.value) byVmid.set(v.vmid, v);

    // A UPID not (yet) in the cluster list: ask its node directly, once per UPID per poll.
    const fallback = new Map<string, Promise<CloneSnapshot['task'] | string>>();
    for (const w of batch) {
      if (byUpid.has(w.upid) || fallback.has(w.upid)) continue;
      calls++;
      fallback.set(
        w.upid,
        deps.proxmox.getTaskStatus(w.upid).then(
          (s) =>
            s.exitstatus === undefined
              ? { status: s.status }
              : { status: s.status, exitstatus: s.exitstatus },
          (e: unknown) => `GET task status: ${message(e)}`,
        ),
      );
    }
    for (const w of batch) {
      const listed = byUpid.get(w.upid);
      const own: string[] = [...errors];
      let task: CloneSnapshot['task'];
      if (listed) task = taskState(listed);
      else {
        const r = await fallback.get(w.upid);
        if (typeof r === 'string') own.push(r);
        else task = r;
      }
      const vm = byVmid.get(w.vmid);
      const snap: CloneSnapshot = { at, vmKnown: vms.status === 'fulfilled', errors: own };
      if (task) snap.task = task;
      if (vm) snap.vm = vm;
      w.resolve(snap);
    }
  }

  async function loop(): Promise<void> {
    running = true;
    try {
      while (!closed && waiters.length > 0) {
        const wait = lastPollAt + intervalMs - deps.clock.now();
        if (wait > 0) await deps.clock.sleep(wait, stopper.signal);
        if (closed) break;
        const batch = waiters;
        waiters = [];
        lastPollAt = deps.clock.now();
        await pollOnce(batch);
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
    next(upid, vmid, signal) {
      if (closed) return Promise.reject(new Error('cluster watcher is closed'));
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<CloneSnapshot>((resolve, reject) => {
        const onAbort = () => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(signal?.reason);
        };
        const waiter: Waiter = {
          upid,
          vmid,
          resolve: (s) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(s);
          },
          reject: (e) => {
            signal?.removeEventListener('abort', onAbort);
            reject(e);
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push(waiter);
        if (!running) void loop();
      });
    },
    stats: () => ({ polls, calls }),
    close() {
      closed = true;
      stopper.abort(new Error('cluster watcher is closed'));
      for (const w of waiters) w.reject(new Error('cluster watcher is closed'));
      waiters = [];
    },
  };
}
