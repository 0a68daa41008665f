import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { CloneTracker } from './clone-tracker.ts';
import { CloneNotStartedError, isAmbiguousWrite, ProxmoxError, ProxmoxNetworkError } from './errors.ts';
import { toClusterTasks } from './map-responses.ts';
import type { ProxmoxTransport } from './transport.ts';
import type { CloneParams } from './types.ts';

/** What startClone needs besides the parameters. */
export interface StartCloneDeps {
  transport: ProxmoxTransport;
  clock: Clock;
  logger: Logger;
  tracker: CloneTracker;
  /** How many times to look for the task after an ambiguous failure (3), and the pause between looks (2 s). */
  lookups?: number;
  lookupPauseMs?: number;
}

// Our clock and the node's may disagree; a task this much older than our POST is still a candidate.
const CLOCK_SLACK_S = 120;

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
 * POSTs the clone exactly once. On an ambiguous failure it looks (GET /cluster/tasks, /cluster/resources) for
 * the qmclone task this POST started; returns its UPID, throws CloneNotStartedError when nothing started,
 * or rethrows the original error when it cannot tell.
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
    // Sibling clones of this template claim their UPIDs first; while any is still unsure, insist on our VM.
    const siblings = await deps.tracker.settleOthers(key, post);
    return await findStartedClone(deps, p, sentAt, error, siblings);
  } finally {
    leave();
  }
}

async function findStartedClone(
  deps: StartCloneDeps,
  p: CloneParams,
  sentAt: number,
  original: unknown,
  siblings: boolean,
): Promise<string> {
  const lookups = deps.lookups ?? 3;
  const user = deps.transport.user.toLowerCase();
  let allLooksAnswered = true;
  let vmSeen = false;
  for (let look = 1; look <= lookups; look++) {
    try {
      const [tasks, resources] = await Promise.all([
        deps.transport.request<unknown>('GET', '/cluster/tasks'),
        deps.transport.request<unknown>('GET', '/cluster/resources', { type: 'vm' }),
      ]);
      const candidates = toClusterTasks(tasks.data).filter(
        (t) =>
          t.type === 'qmclone' &&
          t.id === String(p.templateVmid) &&
          t.node === p.node &&
          t.starttime >= Math.floor(sentAt / 1000) - CLOCK_SLACK_S &&
          (t.user === '' || t.user.toLowerCase() === user) &&
          !deps.tracker.isClaimed(t.upid),
      );
      const rows = Array.isArray(resources.data) ? (resources.data as { vmid?: unknown }[]) : [];
      vmSeen ||= rows.some((r) => Number(r.vmid) === p.newid);
      const upid = candidates.length === 1 ? candidates[0]?.upid : undefined;
      if (upid !== undefined && (vmSeen || !siblings)) {
        deps.tracker.claim(upid);
        deps.logger.info({ upid, newid: p.newid }, 'the clone had started; following its task');
        return upid;
      }
      // Two unclaimed clones of this template by us: cannot tell which is ours.
      if (candidates.length > 1) throw original;
    } catch (error) {
      if (error === original) throw error;
      allLooksAnswered = false;
      deps.logger.warn({ err: (error as Error).message, look }, 'could not check whether the clone started');
    }
    // The cluster task list and the new VM's stub config appear a moment after the POST: look again.
    if (look < lookups) await deps.clock.sleep(deps.lookupPauseMs ?? 2000);
  }
  if (allLooksAnswered && !vmSeen) {
    const path = `/nodes/${p.node}/qemu/${p.templateVmid}/clone`;
    const why = `no qmclone task for template ${p.templateVmid} on ${p.node} and no VM ${p.newid} after the POST failed`;
    throw new CloneNotStartedError(path, p.newid, `${why} (${(original as Error).message})`, {
      cause: original,
    });
  }
  throw original;
}
