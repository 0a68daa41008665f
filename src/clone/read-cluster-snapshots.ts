import type { Clock } from '../clock.ts';
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
 * One poll for many clones: ONE GET /cluster/tasks, ONE GET /cluster/resources when `readVms`, and a GET
 * task status only for a task missing from the cluster list (it lags a little behind a just-started task).
 * Read errors become part of the snapshots, never a throw. Returns a snapshot per clone, in order.
 */
export async function readClusterSnapshots(
  deps: { proxmox: ProxmoxClient; clock: Clock },
  clones: readonly { upid: string; vmid: number }[],
  readVms: boolean,
): Promise<{ snapshots: CloneSnapshot[]; calls: number }> {
  let calls = readVms ? 2 : 1;
  const [tasks, vms] = await Promise.allSettled([
    deps.proxmox.listClusterTasks(),
    readVms ? deps.proxmox.listClusterVms() : Promise.resolve(undefined),
  ]);
  const at = deps.clock.now();
  const errors: string[] = [];
  if (tasks.status === 'rejected') errors.push(`GET /cluster/tasks: ${message(tasks.reason)}`);
  if (vms.status === 'rejected') errors.push(`GET /cluster/resources: ${message(vms.reason)}`);
  const byUpid = new Map<string, ClusterTask>();
  if (tasks.status === 'fulfilled') for (const t of tasks.value) byUpid.set(t.upid, t);
  const vmKnown = vms.status === 'fulfilled' && vms.value !== undefined;
  const byVmid = new Map<number, ClusterVm>();
  if (vms.status === 'fulfilled') for (const v of vms.value ?? []) byVmid.set(v.vmid, v);

  // A UPID not (yet) in the cluster list: ask its node directly, once per UPID per poll.
  const fallback = new Map<string, Promise<CloneSnapshot['task'] | string>>();
  for (const c of clones) {
    if (byUpid.has(c.upid) || fallback.has(c.upid)) continue;
    calls++;
    fallback.set(
      c.upid,
      deps.proxmox.getTaskStatus(c.upid).then(
        (s) =>
          s.exitstatus === undefined ? { status: s.status } : { status: s.status, exitstatus: s.exitstatus },
        (e: unknown) => `GET task status: ${message(e)}`,
      ),
    );
  }
  const snapshots: CloneSnapshot[] = [];
  for (const c of clones) {
    const listed = byUpid.get(c.upid);
    const own: string[] = [...errors];
    let task: CloneSnapshot['task'];
    if (listed) task = taskState(listed);
    else {
      const r = await fallback.get(c.upid);
      if (typeof r === 'string') own.push(r);
      else task = r;
    }
    const vm = byVmid.get(c.vmid);
    const snap: CloneSnapshot = { at, vmKnown, errors: own };
    if (task) snap.task = task;
    if (vm) snap.vm = vm;
    snapshots.push(snap);
  }
  return { snapshots, calls };
}
