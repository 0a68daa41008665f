import type { CloneCheckpoint } from '../core/types.ts';
import type { EngineContext } from './engine-context.ts';

/** Whether the clone of an 'allocated' checkpoint (VMID chosen, UPID never saved) had started. */
export type StartedClone =
  | { kind: 'started'; upid: string }
  | { kind: 'not-started' }
  | { kind: 'unknown'; why: string };

// Our clock and the node's may disagree: a task this much older than the checkpoint is still a candidate.
const CLOCK_SLACK_S = 120;
const LOOKS = 3;

/**
 * A worker died between saving 'allocated' and saving the UPID: the POST may or may not have been sent.
 * Looks at /cluster/resources (the new VMID) and /cluster/tasks (qmclone tasks of the template on its node
 * since the checkpoint) before anyone decides to POST again. Read errors are not taken as "not started".
 */
export async function findStartedClone(ctx: EngineContext, cp: CloneCheckpoint): Promise<StartedClone> {
  const { newVmid, templateVmid, templateNode } = cp;
  if (newVmid === undefined || templateVmid === undefined || templateNode === undefined) {
    return { kind: 'unknown', why: 'the checkpoint lacks the template or the new VMID' };
  }
  const since = Math.floor((cp.startedAt ?? 0) / 1000) - CLOCK_SLACK_S;
  for (let look = 1; look <= LOOKS; look++) {
    const [vms, tasks] = await Promise.all([ctx.proxmox.listClusterVms(), ctx.proxmox.listClusterTasks()]);
    const vm = vms.find((v) => v.vmid === newVmid);
    const candidates = tasks.filter(
      (t) =>
        t.type === 'qmclone' &&
        t.id === String(templateVmid) &&
        t.node === templateNode &&
        t.starttime >= since,
    );
    const running = candidates.filter(
      (t) => t.endtime === undefined && (t.status ?? 'running') === 'running',
    );
    if (vm) {
      const pick = running.length === 1 ? running[0] : candidates.length === 1 ? candidates[0] : undefined;
      if (pick) return { kind: 'started', upid: pick.upid };
      return {
        kind: 'unknown',
        why: `VM ${newVmid} exists but ${candidates.length} clone tasks of template ${templateVmid} match`,
      };
    }
    // No VM and no running clone of the template: nothing of ours exists (a failed clone was cleaned up).
    if (running.length === 0) return { kind: 'not-started' };
    // A running clone without our VM yet: its stub config may appear in a moment.
    if (look < LOOKS) await ctx.clock.sleep(ctx.pollIntervalMs);
  }
  return { kind: 'not-started' };
}
