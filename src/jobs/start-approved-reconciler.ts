import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { CloneRequestRecord, RequestStore } from '../requests/types.ts';
import { runEvery } from './run-every.ts';
import type { CloneQueue } from './types.ts';

/** What the reconciler needs. */
export interface ApprovedReconcilerDeps {
  store: Pick<RequestStore, 'listByStatus'>;
  queue: Pick<CloneQueue, 'enqueue' | 'jobState'>;
  clock: Clock;
  logger: Logger;
  /**
   * How long (clock ms) an approved request may be without a job before it is queued again. Covers the
   * moment between approval and enqueue, and a request without approval whose message is still being posted
   * (Slack retries a 429 for minutes) before its submitter queues it. Default 5 minutes.
   */
  graceMs?: number;
}

/** Job states after which an approved request has no job that will run it. */
const NO_LIVE_JOB = new Set(['unknown', 'failed']);

/**
 * One pass: queues every request that is `approved` but has no job that will run it (the process that
 * approved it died before enqueuing, or its job was failed without the worker ever taking it up). Safe to
 * run in every process at once: the job id is the request id, so concurrent enqueues add one job. An approved
 * request has never reached Proxmox (the worker moves it to `cloning` first), so queuing it cannot clone twice.
 * Returns the ids it queued.
 */
export async function reconcileApprovedRequests(deps: ApprovedReconcilerDeps): Promise<string[]> {
  const graceMs = deps.graceMs ?? 5 * 60_000;
  const cutoff = deps.clock.now() - graceMs;
  const since = (r: CloneRequestRecord) => r.decidedAt ?? r.createdAt;
  const queued: string[] = [];
  for (const record of await deps.store.listByStatus('approved')) {
    if (since(record) > cutoff) continue;
    const state = await deps.queue.jobState(record.id);
    if (!NO_LIVE_JOB.has(state)) continue;
    await deps.queue.enqueue(record.id);
    queued.push(record.id);
    deps.logger.warn(
      {
        audit: true,
        requestId: record.id,
        jobState: state,
        approvedAt: new Date(since(record)).toISOString(),
        at: new Date(deps.clock.now()).toISOString(),
      },
      `request ${record.id}: approved without a job that will run it; queued it again`,
    );
  }
  return queued;
}

/** Runs reconcileApprovedRequests now and every `intervalMs` (clock time); returns a stop function. */
export function startApprovedReconciler(deps: ApprovedReconcilerDeps & { intervalMs: number }): () => void {
  return runEvery(
    deps.clock,
    deps.intervalMs,
    () => reconcileApprovedRequests(deps),
    (err) => deps.logger.warn({ err: String(err) }, 'approved-request reconcile failed; retrying next round'),
  );
}
