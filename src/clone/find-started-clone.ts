import type { CloneCheckpoint } from '../core/types.ts';
import {
  cloneTaskFilter,
  isCloneCandidate,
  judgeOwnClone,
  type OwnCloneVerdict,
  type SeenCloneTask,
  vmidsNamedIn,
} from '../proxmox/own-clone-task.ts';
import type { EngineContext } from './engine-context.ts';

/** Whether the clone of an 'allocated' checkpoint (VMID chosen, UPID never saved) had started. */
export type StartedClone =
  | { kind: 'started'; upid: string }
  | { kind: 'not-started' }
  | { kind: 'unknown'; why: string };

const LOOKS = 3;

/**
 * A worker died between saving 'allocated' and saving the UPID: the POST may or may not have been sent.
 * A qmclone task is ours only if it clones our template on its node, by our API user, since the checkpoint,
 * AND it is tied to our new VMID (its log names it, or our VM's stub exists and no other candidate is
 * left): never another request's task. A task of ours that already failed is returned so its failure is
 * reported, not hidden by a second POST. "Not started" only when that is provable; read errors propagate.
 */
export async function findStartedClone(ctx: EngineContext, cp: CloneCheckpoint): Promise<StartedClone> {
  const { newVmid, templateVmid, templateNode } = cp;
  if (newVmid === undefined || templateVmid === undefined || templateNode === undefined) {
    return { kind: 'unknown', why: 'the checkpoint lacks the template or the new VMID' };
  }
  const scope = {
    templateVmid,
    node: templateNode,
    user: ctx.proxmox.user,
    sinceS: Math.floor((cp.startedAt ?? 0) / 1000),
  };
  const named = new Map<string, Set<number>>();
  const runningBefore = new Set<string>();
  let verdict: OwnCloneVerdict = { kind: 'undecided', why: 'not looked yet' };
  for (let look = 1; look <= LOOKS; look++) {
    const [vms, tasks] = await Promise.all([
      ctx.proxmox.listClusterVms(),
      ctx.proxmox.listNodeTasks(templateNode, cloneTaskFilter(scope)),
    ]);
    const seen: SeenCloneTask[] = [];
    for (const task of tasks.filter((t) => isCloneCandidate(t, scope))) {
      // A task that named a VM keeps naming it; only the silent ones are read again.
      let ids = named.get(task.upid);
      if (ids === undefined || ids.size === 0) {
        const log = await ctx.proxmox.getTaskLog(task.upid, 0, 0);
        ids = vmidsNamedIn([...log.lines.map((l) => l.t), task.status ?? ''], templateVmid);
        named.set(task.upid, ids);
      }
      seen.push({ task, named: ids, runningBefore: runningBefore.has(task.upid) });
      if (task.endtime === undefined) runningBefore.add(task.upid);
    }
    verdict = judgeOwnClone(
      newVmid,
      vms.some((v) => v.vmid === newVmid),
      seen,
    );
    if (verdict.kind !== 'undecided') return verdict;
    // A task that just started may not have written its stub or named its volumes yet: look again.
    if (look < LOOKS) await ctx.clock.sleep(Math.min(2000, ctx.pollIntervalMs));
  }
  return { kind: 'unknown', why: verdict.kind === 'undecided' ? verdict.why : 'undecided' };
}
