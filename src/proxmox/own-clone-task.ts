/**
 * Telling our clone task from the others. A qmclone task carries the SOURCE vmid and the API user only, so
 * with several workers sharing one token, concurrent clones of one template all look alike. What ties a task
 * to our new VMID: the new VM's stub (`lock: clone`, visible in /cluster/resources from the worker's first
 * step on) and the task's own words (`vm-200-disk-0` volumes, `…/qemu-server/200.conf` in a failure).
 */
import type { ClusterTask, NodeTaskFilter } from './types.ts';

/** Our clock and the node's may disagree: a task this much older than our POST is still a candidate. */
export const CLOCK_SLACK_S = 120;

/** A clone task of our template and user, with the VMIDs its log and exit status name. */
export interface SeenCloneTask {
  task: ClusterTask;
  /** New-VM ids named in its log (volumes `vm-N-disk-K`, `vm-N-cloudinit`, config `qemu-server/N.conf`). */
  named: Set<number>;
  /** It was already running at an earlier look (so its stub, were it ours, would be visible by now). */
  runningBefore: boolean;
}

/** What the tasks and the cluster say about our clone. */
export type OwnCloneVerdict =
  | { kind: 'started'; upid: string }
  | { kind: 'not-started' }
  | { kind: 'undecided'; why: string };

// PVE ≥ 9.1.6 opens every clone log with `creating a clone of VM 9000 with ID 200` (qemu-server 980dffe2);
// 8.4's names the new VM only through its volumes, and on ZFS/RBD not at all.
const VMID_WORDS =
  /\bvm-(\d+)-(?:disk|cloudinit|state)|qemu-server\/(\d+)\.conf\b|\/images\/(\d+)\/|\bclone of VM \d+ with ID (\d+)\b/g;

/** The new-VM ids named in task log lines (the template's own id left out: its volumes are the source). */
export function vmidsNamedIn(lines: string[], templateVmid: number): Set<number> {
  const out = new Set<number>();
  for (const line of lines) {
    for (const m of line.matchAll(VMID_WORDS)) {
      const id = Number(m[1] ?? m[2] ?? m[3] ?? m[4]);
      if (id !== templateVmid) out.add(id);
    }
  }
  return out;
}

/** Whether a cluster task is a clone of `templateVmid` on `node` by `user`, started at/after `sinceS`. */
export function isCloneCandidate(
  t: ClusterTask,
  c: { templateVmid: number; node: string; user: string | undefined; sinceS: number },
): boolean {
  return (
    t.type === 'qmclone' &&
    t.id === String(c.templateVmid) &&
    t.node === c.node &&
    t.starttime >= c.sinceS - CLOCK_SLACK_S &&
    (c.user === undefined || t.user.toLowerCase() === c.user.toLowerCase())
  );
}

/**
 * The template node's task list filtered to the clone tasks of the template since the POST (less the clock
 * slack): there, unlike in /cluster/tasks, a token sees its own tasks without Sys.Audit and none falls off
 * after 25 finished ones. A qmclone task's id is the SOURCE VMID, so `vmid` is the template's.
 */
export function cloneTaskFilter(c: { templateVmid: number; sinceS: number }): NodeTaskFilter {
  return { typefilter: 'qmclone', vmid: c.templateVmid, since: c.sinceS - CLOCK_SLACK_S, limit: 200 };
}

const endedBadly = (t: ClusterTask) =>
  t.endtime !== undefined && t.status !== undefined && t.status !== 'OK' && !t.status.startsWith('WARNINGS');
const running = (t: ClusterTask) => t.endtime === undefined && (t.status ?? 'running') === 'running';

/**
 * Decides from one look. Ours: the one task naming our VMID; or, while our VM exists, the only candidate
 * naming no other VM. Not started: our VM is absent, no task names it, no unexplained failure, and every
 * candidate still running was running before (ours would have its stub by now). Otherwise undecided.
 */
export function judgeOwnClone(newVmid: number, vmVisible: boolean, seen: SeenCloneTask[]): OwnCloneVerdict {
  const mine = seen.filter((s) => s.named.has(newVmid));
  if (mine.length === 1 && mine[0]) return { kind: 'started', upid: mine[0].task.upid };
  if (mine.length > 1) return { kind: 'undecided', why: `${mine.length} clone tasks name VM ${newVmid}` };
  const unnamed = seen.filter((s) => s.named.size === 0);
  if (vmVisible) {
    if (unnamed.length === 1 && unnamed[0]) return { kind: 'started', upid: unnamed[0].task.upid };
    return {
      kind: 'undecided',
      why: `VM ${newVmid} exists but ${unnamed.length} clone tasks of the template could be its own`,
    };
  }
  const failed = unnamed.filter((s) => endedBadly(s.task));
  if (failed.length > 0)
    return { kind: 'undecided', why: `${failed.length} failed clone tasks of the template name no VMID` };
  const fresh = unnamed.filter((s) => running(s.task) && !s.runningBefore);
  if (fresh.length > 0)
    return {
      kind: 'undecided',
      why: `${fresh.length} clone tasks just started; their VMs are not known yet`,
    };
  return { kind: 'not-started' };
}
