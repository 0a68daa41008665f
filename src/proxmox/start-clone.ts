import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { CloneTracker } from './clone-tracker.ts';
import { CloneNotStartedError, isAmbiguousWrite, ProxmoxError, ProxmoxNetworkError } from './errors.ts';
import { listNodeTasks } from './list-node-tasks.ts';
import { toClusterVms } from './map-responses.ts';
import {
  cloneTaskFilter,
  isCloneCandidate,
  judgeOwnClone,
  type OwnCloneVerdict,
  type SeenCloneTask,
  vmidsNamedIn,
} from './own-clone-task.ts';
import type { ProxmoxTransport } from './transport.ts';
import type { CloneParams } from './types.ts';

/** What startClone needs besides the parameters. */
export interface StartCloneDeps {
  transport: ProxmoxTransport;
  clock: Clock;
  logger: Logger;
  tracker: CloneTracker;
  /** The whole log of a task, as lines of text (to learn which new VM a clone task is creating). */
  readTaskLog: (upid: string) => Promise<string[]>;
  /** How many times to look for the task after an ambiguous failure (3), and the pause between looks (2 s). */
  lookups?: number;
  lookupPauseMs?: number;
}

const cloneBody = (p: CloneParams): Record<string, unknown> => ({
  newid: p.newid,
  name: p.name,
  full: p.full,
  target: p.target,
  storage: p.storage,
  pool: p.pool,
  description: p.description,
});

/**
 * POSTs the clone exactly once. On an ambiguous failure it looks (the template node's qmclone tasks, /cluster/resources, the
 * candidates' logs) for the qmclone task this POST started, which must be tied to our new VMID (see
 * own-clone-task.ts); returns its UPID, throws CloneNotStartedError when provably nothing started, or
 * rethrows the original error when it cannot tell.
 */
export async function startClone(deps: StartCloneDeps, p: CloneParams): Promise<string> {
  const path = `/nodes/${p.node}/qemu/${p.templateVmid}/clone`;
  const key = `${p.node}/${p.templateVmid}`;
  const leave = deps.tracker.enter(key);
  const sentAt = deps.clock.now();
  const post = deps.tracker.trackPost(
    key,
    deps.transport.request<unknown>('POST', path, cloneBody(p), '/nodes/*/qemu/*/clone').then(({ data }) => {
      if (typeof data !== 'string' || !data.startsWith('UPID:')) {
        throw new ProxmoxError(`Proxmox POST ${path} answered without a task id`, 'POST', path);
      }
      deps.tracker.claim(data);
      return data;
    }),
  );
  try {
    return await post;
  } catch (error) {
    if (error instanceof ProxmoxNetworkError && error.delivered === false) {
      throw new CloneNotStartedError(path, p.newid, error.message, { cause: error });
    }
    if (!isAmbiguousWrite(error)) throw error;
    deps.logger.warn(
      { node: p.node, template: p.templateVmid, newid: p.newid, err: (error as Error).message },
      'clone POST failed ambiguously; checking whether the clone started',
    );
    // Sibling clones of this template claim their UPIDs first, so a lookup never sees theirs unclaimed.
    await deps.tracker.settleOthers(key, post);
    return await findStartedClone(deps, p, sentAt, error);
  } finally {
    leave();
  }
}

async function findStartedClone(
  deps: StartCloneDeps,
  p: CloneParams,
  sentAt: number,
  original: unknown,
): Promise<string> {
  const lookups = deps.lookups ?? 3;
  const scope = {
    templateVmid: p.templateVmid,
    node: p.node,
    user: deps.transport.user,
    sinceS: Math.floor(sentAt / 1000),
  };
  const named = new Map<string, Set<number>>();
  const runningBefore = new Set<string>();
  let allLooksAnswered = true;
  let verdict: OwnCloneVerdict = { kind: 'undecided', why: 'not looked yet' };
  for (let look = 1; look <= lookups; look++) {
    try {
      const [tasks, resources] = await Promise.all([
        listNodeTasks(deps.transport, p.node, cloneTaskFilter(scope)),
        deps.transport.request<unknown>('GET', '/cluster/resources', { type: 'vm' }),
      ]);
      const candidates = tasks.filter((t) => isCloneCandidate(t, scope) && !deps.tracker.isClaimed(t.upid));
      const vmVisible = toClusterVms(resources.data).some((v) => v.vmid === p.newid);
      const seen: SeenCloneTask[] = [];
      for (const task of candidates) {
        // A task that named a VM keeps naming it; only the silent ones are read again.
        let ids = named.get(task.upid);
        if (ids === undefined || ids.size === 0) {
          const lines = await deps.readTaskLog(task.upid);
          ids = vmidsNamedIn([...lines, task.status ?? ''], p.templateVmid);
          named.set(task.upid, ids);
        }
        seen.push({ task, named: ids, runningBefore: runningBefore.has(task.upid) });
      }
      for (const t of candidates) if (t.endtime === undefined) runningBefore.add(t.upid);
      verdict = judgeOwnClone(p.newid, vmVisible, seen);
      if (verdict.kind === 'started') {
        deps.tracker.claim(verdict.upid);
        deps.logger.info({ upid: verdict.upid, newid: p.newid }, 'the clone had started; following its task');
        return verdict.upid;
      }
    } catch (error) {
      allLooksAnswered = false;
      deps.logger.warn({ err: (error as Error).message, look }, 'could not check whether the clone started');
    }
    // The task list and the new VM's stub appear a moment after the POST: "not started" only at the end.
    if (look < lookups) await deps.clock.sleep(deps.lookupPauseMs ?? 2000);
  }
  if (allLooksAnswered && verdict.kind === 'not-started') {
    const path = `/nodes/${p.node}/qemu/${p.templateVmid}/clone`;
    const why = `no clone task of ours for template ${p.templateVmid} on ${p.node} and no VM ${p.newid} after the POST failed`;
    throw new CloneNotStartedError(path, p.newid, `${why} (${(original as Error).message})`, {
      cause: original,
    });
  }
  if (verdict.kind === 'undecided')
    deps.logger.warn({ newid: p.newid, why: verdict.why }, 'cannot tell whether the clone started');
  throw original;
}
