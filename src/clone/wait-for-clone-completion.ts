import type { ClonePhase } from '../core/types.ts';
import type { ClusterVm } from '../proxmox/types.ts';
import type { CloneSnapshot, PollWish } from './cluster-watcher.ts';
import type { EngineContext } from './engine-context.ts';
import { PollCadence } from './poll-cadence.ts';
import type { ProgressReporter } from './progress-reporter.ts';
import { errorMessage } from './proxmox-error-facts.ts';
import { TaskLogReader } from './task-log-reader.ts';

/** What to follow: the clone task (on the UPID's node) and the new VM it creates. */
export interface WaitInput {
  upid: string;
  newVmid: number;
  /** Clock time the clone started (elapsed and the timeout count from here). */
  startedAt: number;
  /** Drives the template has to copy, for `disk 1/2`. */
  diskCount?: number;
  signal?: AbortSignal;
  /** The job is another worker's now: stop following at once (throwing its reason), never stopping the task. */
  lost?: AbortSignal;
}

/** How the wait ended. The task's exit status is the only thing that decides success or failure. */
export type WaitOutcome =
  | { kind: 'ended'; exitstatus: string; cancelRequested: boolean; lastVm?: ClusterVm }
  | { kind: 'timeout'; taskState: 'running' | 'unknown'; lastVm?: ClusterVm; errors: string[] }
  | { kind: 'cancel-unconfirmed'; lastVm?: ClusterVm };

/** The phase the lock shows: `lock: clone` → cloning; lock gone while the task still runs → finishing. */
function phaseOf(snap: CloneSnapshot, current: ClonePhase): ClonePhase {
  if (!snap.vmKnown || snap.task?.status !== 'running') return current === 'starting' ? 'cloning' : current;
  if (snap.vm === undefined) return current === 'starting' ? 'cloning' : current;
  return snap.vm.lock === 'clone' ? 'cloning' : 'finishing';
}

/**
 * Follows a clone to its real end. The TASK status is the completion signal (Proxmox drops the lock before
 * the task ends, and deletes the new VM when a clone fails); the new VM's lock gives the phase; the task log
 * gives disk, percent and bytes. Read errors while polling are tolerated until the timeout. Never stops the
 * task on timeout; on cancel (signal) it stops the task once and waits for Proxmox to end it.
 */
export async function waitForCloneCompletion(
  ctx: EngineContext,
  input: WaitInput,
  reporter: ProgressReporter,
  log: TaskLogReader = new TaskLogReader(ctx, input.upid, input.diskCount),
): Promise<WaitOutcome> {
  let phase: ClonePhase =
    reporter.phase === 'cloning' || reporter.phase === 'finishing' ? reporter.phase : 'starting';
  let lastVm: ClusterVm | undefined;
  let cancelAt: number | undefined;
  let lastErrors: string[] = [];
  let taskState: 'running' | 'unknown' = 'unknown';

  const cadence = new PollCadence(ctx.pollCadence, input.startedAt);
  const reportAt = () => reporter.lastAt + ctx.config.progressIntervalMs;
  // A report counts as due up to one fast interval early, so it rides on a poll already planned instead of
  // costing a poll of its own moments later.
  const reportDue = (at: number) => at >= reportAt() - ctx.pollCadence.fastMs;
  let lastPollAt: number | undefined;
  const plan = (): PollWish => {
    const now = ctx.clock.now();
    const { fastMs, slowMs } = ctx.pollCadence;
    const copyEnd = log.copyEndsAt();
    // Around the predicted end of a copy the clone may end: fast until then, then back off. The lead and the
    // tail absorb an imprecise estimate (the rate of a real copy varies).
    if (copyEnd !== undefined && Math.abs(now - copyEnd) <= 2 * slowMs) cadence.holdFastUntil(copyEnd);
    if (phase === 'finishing' || cancelAt !== undefined) cadence.holdFastUntil(now);
    const deadline =
      cancelAt === undefined ? input.startedAt + ctx.config.timeoutMs : cancelAt + ctx.cancelGraceMs;
    // Timed from the last poll, not from now: reporting (a log read, a Slack update) does not stretch it. A
    // resumed clone may have ended long ago (look at once); a new one cannot end before its first fast poll.
    const dueAt =
      lastPollAt === undefined
        ? Math.max(now, input.startedAt + fastMs)
        : Math.min(lastPollAt + cadence.intervalAt(lastPollAt), reportAt(), deadline);
    // The lock only serves the phase shown (it goes once the copy is over), and the diagnosis of a timeout
    // or of an unconfirmed cancel.
    const lockMayGo = copyEnd !== undefined && dueAt >= copyEnd - fastMs && dueAt <= copyEnd + 2 * slowMs;
    const needVm =
      cancelAt !== undefined ||
      dueAt + slowMs > deadline ||
      (phase !== 'finishing' && (reportDue(dueAt) || lockMayGo));
    return { dueAt, needVm };
  };

  const report = async (p: ClonePhase) => {
    const s = await log.read();
    const eta = log.etaMs();
    await reporter.report(p, {
      ...(s.disk === undefined ? {} : { disk: s.disk, diskIndex: s.diskIndex }),
      ...(s.diskCount === undefined ? {} : { diskCount: s.diskCount }),
      ...(s.percent === undefined ? {} : { percent: s.percent }),
      ...(s.bytesDone === undefined ? {} : { bytesDone: s.bytesDone }),
      ...(s.bytesTotal === undefined ? {} : { bytesTotal: s.bytesTotal }),
      ...(eta === undefined ? {} : { etaMs: eta }),
    });
  };

  const lost = input.lost;
  // Both signals are handed to the watcher as they are (no AbortSignal.any: a signal more per clone followed).
  const cancelOrLost = [input.signal, lost].filter((s) => s !== undefined);
  const lostOnly = lost === undefined ? [] : [lost];
  for (;;) {
    if (lost?.aborted) throw lost.reason;
    const now = ctx.clock.now();
    if (cancelAt === undefined && input.signal?.aborted) {
      cancelAt = now;
      try {
        await ctx.proxmox.stopTask(input.upid);
        ctx.logger.info({ upid: input.upid }, 'clone cancelled: stop requested for its task');
      } catch (error) {
        ctx.logger.warn({ upid: input.upid, err: errorMessage(error) }, 'could not stop the clone task');
      }
    }
    if (cancelAt !== undefined && now - cancelAt >= ctx.cancelGraceMs) {
      return lastVm ? { kind: 'cancel-unconfirmed', lastVm } : { kind: 'cancel-unconfirmed' };
    }
    // Never a timeout before one look: a clone resumed after its deadline went by (its worker died and the
    // next came late) may have ended fine meanwhile, and would be reported as timed out with its VM made.
    if (cancelAt === undefined && lastPollAt !== undefined && now - input.startedAt >= ctx.config.timeoutMs) {
      return { kind: 'timeout', taskState, errors: lastErrors, ...(lastVm ? { lastVm } : {}) };
    }
    let snap: CloneSnapshot;
    try {
      snap = await ctx.watcher.next(
        input.upid,
        input.newVmid,
        cancelAt === undefined ? cancelOrLost : lostOnly,
        plan(),
      );
    } catch (error) {
      if (lost?.aborted) throw lost.reason;
      if (input.signal?.aborted && cancelAt === undefined) continue;
      throw error;
    }
    lastPollAt = snap.at;
    lastErrors = snap.errors;
    if (snap.errors.length > 0)
      ctx.logger.debug({ upid: input.upid, errors: snap.errors }, 'poll errors (tolerated)');
    if (snap.vmKnown) lastVm = snap.vm;
    if (snap.task) taskState = snap.task.status === 'running' ? 'running' : taskState;
    if (snap.task?.status === 'stopped') {
      const exitstatus = snap.task.exitstatus ?? (await exitStatusOf(ctx, input.upid));
      if (exitstatus !== undefined) {
        return {
          kind: 'ended',
          exitstatus,
          cancelRequested: cancelAt !== undefined,
          ...(lastVm ? { lastVm } : {}),
        };
      }
      continue;
    }
    const next = phaseOf(snap, phase);
    if (next !== phase) {
      phase = next;
      await report(phase);
    } else if (reportDue(ctx.clock.now())) {
      await report(phase);
    }
  }
}

/** A task listed as ended without its status: ask its node (undefined when that fails; the next poll retries). */
async function exitStatusOf(ctx: EngineContext, upid: string): Promise<string | undefined> {
  try {
    const s = await ctx.proxmox.getTaskStatus(upid);
    return s.status === 'stopped' ? (s.exitstatus ?? 'unexpected status') : undefined;
  } catch (error) {
    ctx.logger.debug({ upid, err: errorMessage(error) }, 'task status read failed; will retry');
    return undefined;
  }
}
