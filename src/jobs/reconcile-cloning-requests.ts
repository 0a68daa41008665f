import type { Clock } from '../clock.ts';
import type { StartedClone } from '../clone/find-started-clone.ts';
import type { CloneCheckpoint, CloneFailure } from '../core/types.ts';
import type { Logger } from '../logger.ts';
import { createRequestMoves } from '../requests/request-moves.ts';
import type { CloneRequestRecord, RequestStore } from '../requests/types.ts';
import { runEvery } from './run-every.ts';
import type { CloneNotifier, CloneQueue } from './types.ts';

/** What the cloning reconciler needs. */
export interface CloningReconcilerDeps {
  store: RequestStore;
  queue: Pick<CloneQueue, 'jobState'>;
  /** The final result goes through it (in production the delivery outbox), like any other result. */
  notifier: Pick<CloneNotifier, 'finished'>;
  /** Whether the clone of a checkpoint with a VMID but no UPID was started (the engine's findStartedClone). */
  findStartedClone: (cp: CloneCheckpoint) => Promise<StartedClone>;
  clock: Clock;
  logger: Logger;
}

/**
 * Job states after which a `cloning` request has no job that will ever finish it. BullMQ fails a job that
 * stalled more than `maxStalledCount` times inside its Lua (moveStalledJobsToWait-*.lua: "job stalled more
 * than allowable limit") and no Worker emits `failed` for it, so the worker's give-up handler never runs;
 * 'unknown' is a job removed (or never kept) while its request was cloning.
 */
const NO_LIVE_JOB = new Set(['unknown', 'failed']);

/**
 * One pass: every request still `cloning` whose job is failed or gone gets a final result ("the worker lost
 * this job", with whether a clone had been started and which task), delivered through the notifier; the
 * give-up move is a guarded transition, so a worker finishing it meanwhile, or another process running this
 * pass, wins or loses atomically and only one result is ever saved. Returns the ids it finished.
 */
export async function reconcileCloningRequests(deps: CloningReconcilerDeps): Promise<string[]> {
  const { store, logger } = deps;
  const moves = createRequestMoves({ store, clock: deps.clock });
  const finished: string[] = [];
  for (const record of await store.listByStatus('cloning')) {
    if (record.result !== undefined) continue;
    const state = await deps.queue.jobState(record.id);
    if (!NO_LIVE_JOB.has(state)) continue;
    const result = await lostJobResult(deps, record, state);
    const t = await moves.giveUp(record.id, result);
    if (!t.ok) continue;
    finished.push(record.id);
    logger.error(
      { audit: true, requestId: record.id, jobState: state, upid: result.upid },
      `request ${record.id}: the worker lost its clone job (${state}); recorded it as failed`,
    );
    try {
      if ((await deps.notifier.finished(t.record, result)) !== 'queued') await moves.delivered(record.id);
    } catch (err) {
      // Saved and in the undelivered index: the re-delivery sweep posts it later.
      logger.error({ requestId: record.id, err: String(err) }, 'could not hand over the lost-job result');
    }
  }
  return finished;
}

/** The result of a request whose job was lost: what is known of the clone it may have started. */
async function lostJobResult(
  deps: CloningReconcilerDeps,
  record: CloneRequestRecord,
  state: string,
): Promise<CloneFailure> {
  const cp = record.checkpoint;
  const node = cp?.templateNode ?? record.request.node;
  let started: StartedClone | undefined;
  if (cp?.upid !== undefined) started = { kind: 'started', upid: cp.upid };
  else if (cp?.newVmid !== undefined) {
    try {
      started = await deps.findStartedClone(cp);
    } catch (err) {
      started = { kind: 'unknown', why: `Proxmox could not be read (${String(err)})` };
    }
  }
  const vm = cp?.newVmid !== undefined ? `VM ${cp.newVmid}` : 'the new VM';
  // No Delete offer (no `leftover`): the lost task may have succeeded, and only a person looking at it knows.
  const advice =
    started === undefined || started.kind === 'not-started'
      ? [
          'Nothing was created on Proxmox: no clone had been started',
          'Request the clone again; if this repeats, check the workers (their logs, Redis latency)',
        ]
      : started.kind === 'started'
        ? [
            `The clone task ${started.upid} had been started: look at it in the Proxmox UI (Datacenter → Tasks) before requesting again`,
            `If it failed, delete ${vm} on ${node} if it is there; if it succeeded, ${vm} is yours`,
          ]
        : [
            `Whether the clone was started is unknown (${started.why}): look for ${vm} on ${node} and its qmclone task before requesting again`,
          ];
  const upid = started?.kind === 'started' ? started.upid : undefined;
  const why =
    state === 'failed'
      ? 'its job was failed: a worker stalled too often, or died as it gave up'
      : 'its job is gone';
  return {
    ok: false,
    durationMs: record.startedAt !== undefined ? deps.clock.now() - record.startedAt : 0,
    diagnosis: {
      reason: 'worker-lost',
      summary: `The worker lost this clone job (${why}) before it reported a result.`,
      advice,
    },
    ...(cp?.templateVmid !== undefined ? { templateVmid: cp.templateVmid } : {}),
    ...(cp?.newVmid !== undefined ? { vmid: cp.newVmid } : {}),
    ...(upid !== undefined ? { upid } : {}),
  };
}

/** Runs reconcileCloningRequests now and every `intervalMs` (clock time); returns a stop function. */
export function startCloningReconciler(deps: CloningReconcilerDeps & { intervalMs: number }): () => void {
  return runEvery(
    deps.clock,
    deps.intervalMs,
    () => reconcileCloningRequests(deps),
    (err) => deps.logger.warn({ err: String(err) }, 'cloning-request reconcile failed; retrying next round'),
  );
}
