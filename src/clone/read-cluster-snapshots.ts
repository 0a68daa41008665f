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

/** From this many clones on one node missing from the cluster list, their node's task list is read instead. */
const NODE_LIST_FROM = 3;
/** Entries beyond our missing clones a node list may hold: other users' running clones, recently ended ones. */
const NODE_LIST_SLACK = 50;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Maps a /cluster/tasks entry to a task state: no endtime/status = running; ended → status is the exit status. */
function taskState(t: ClusterTask): NonNullable<CloneSnapshot['task']> {
  if (t.endtime === undefined && (t.status === undefined || t.status === '' || t.status === 'running')) {
    return { status: 'running' };
  }
  return t.status === undefined ? { status: 'stopped' } : { status: 'stopped', exitstatus: t.status };
}

/**
 * One poll for many clones: ONE GET /cluster/tasks, ONE GET /cluster/resources when `readVms`, and for the
 * tasks missing from the cluster list one GET per node (from NODE_LIST_FROM of them) or a GET task status each.
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

  // A UPID not in the cluster list: it lags a little behind a just-started task, a token without Sys.Audit on
  // `/` sees none of its own there, and the list may have failed. Its node answers instead: from
  // NODE_LIST_FROM such clones on one node, ONE GET of that node's clone tasks (running first, then the newest
  // ended) answers for them all; a clone on a node with fewer, or not in that list either (ended longer
  // ago), costs a GET of its own task status. A thousand clones cost a GET per node, never one each.
  const missing = new Map<string, Set<string>>();
  for (const c of clones) {
    if (byUpid.has(c.upid)) continue;
    const node = upidNode(c.upid) ?? '';
    const upids = missing.get(node) ?? new Set<string>();
    upids.add(c.upid);
    missing.set(node, upids);
  }
  const nodeErrors = new Map<string, string>();
  await Promise.all(
    [...missing].map(async ([node, upids]) => {
      if (node === '' || upids.size < NODE_LIST_FROM) return;
      calls++;
      try {
        const listed = await deps.proxmox.listNodeTasks(node, {
          typefilter: 'qmclone',
          limit: upids.size + NODE_LIST_SLACK,
        });
        for (const t of listed) if (!byUpid.has(t.upid)) byUpid.set(t.upid, t);
      } catch (e) {
        nodeErrors.set(node, `GET /nodes/${node}/tasks: ${message(e)}`);
      }
    }),
  );
  const fallback = new Map<string, Promise<CloneSnapshot['task'] | string>>();
  for (const [node, upids] of missing) {
    if (nodeErrors.has(node)) continue; // Proxmox is failing there: no GET per clone on top
    for (const upid of upids) {
      if (byUpid.has(upid)) continue;
      calls++;
      fallback.set(
        upid,
        deps.proxmox.getTaskStatus(upid).then(
          (s) =>
            s.exitstatus === undefined
              ? { status: s.status }
              : { status: s.status, exitstatus: s.exitstatus },
          (e: unknown) => `GET task status: ${message(e)}`,
        ),
      );
    }
  }
  const snapshots: CloneSnapshot[] = [];
  for (const c of clones) {
    const listed = byUpid.get(c.upid);
    const own: string[] = [...errors];
    let task: CloneSnapshot['task'];
    const nodeError = listed ? undefined : nodeErrors.get(upidNode(c.upid) ?? '');
    if (listed) task = taskState(listed);
    else if (nodeError !== undefined) own.push(nodeError);
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
