import { classifyTaskExit } from '../core/task-outcome.ts';
import type { CloneRequest, CloneResult, CloneSuccess } from '../core/types.ts';
import { diagnoseCloneFailure } from './diagnose-clone-failure.ts';
import type { EngineContext } from './engine-context.ts';
import type { ProgressReporter } from './progress-reporter.ts';
import { TaskLogReader } from './task-log-reader.ts';
import { verifyClone } from './verify-clone.ts';
import { waitForCloneCompletion } from './wait-for-clone-completion.ts';

/** A started clone: everything needed to follow it, also after a restart. */
export interface StartedCloneState {
  templateVmid: number;
  templateNode: string;
  newVmid: number;
  upid: string;
  startedAt: number;
  diskCount?: number;
}

/** 'retry-new-vmid': the task failed on a VMID taken elsewhere (`File exists`) and nothing was created. */
export type FollowResult = CloneResult | 'retry-new-vmid';

/**
 * Follows a started clone to its end and turns the end into a result: success after the boot-disk check,
 * or a failure with Proxmox's own exit status and the evidence; a timeout is only ever a timeout.
 */
export async function followClone(
  ctx: EngineContext,
  request: CloneRequest,
  s: StartedCloneState,
  reporter: ProgressReporter,
  options: { signal?: AbortSignal; lost?: AbortSignal; runStartedAt: number; mayRetryVmid: boolean },
): Promise<FollowResult> {
  const log = new TaskLogReader(ctx, s.upid, s.diskCount);
  const out = await waitForCloneCompletion(
    ctx,
    {
      upid: s.upid,
      newVmid: s.newVmid,
      startedAt: s.startedAt,
      ...(s.diskCount === undefined ? {} : { diskCount: s.diskCount }),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.lost ? { lost: options.lost } : {}),
    },
    reporter,
    log,
  );
  await log.read();
  const base = { templateVmid: s.templateVmid, vmid: s.newVmid, upid: s.upid };
  const durationMs = () => ctx.clock.now() - options.runStartedAt;
  const scene = { node: s.templateNode, templateVmid: s.templateVmid, newVmid: s.newVmid, readNewVm: true };
  const evidence = {
    request,
    node: s.templateNode,
    templateVmid: s.templateVmid,
    newVmid: s.newVmid,
    upid: s.upid,
    taskLog: log.state.lastLines,
    elapsedMs: ctx.clock.now() - s.startedAt,
    timeoutMs: ctx.config.timeoutMs,
  };
  const fail = async (ev: Parameters<typeof diagnoseCloneFailure>[1], storage?: string) => ({
    ok: false as const,
    ...base,
    diagnosis: await diagnoseCloneFailure(
      ctx,
      { ...evidence, ...ev },
      storage === undefined ? scene : { ...scene, storage },
    ),
    durationMs: durationMs(),
  });

  if (out.kind === 'timeout') {
    const lock = out.lastVm?.lock;
    const r = await fail({
      reason: 'timeout',
      taskState: out.taskState,
      ...(lock === undefined ? {} : { lock: { kind: lock, holder: `task ${s.upid}` } }),
      ...(out.errors.length > 0 ? { message: out.errors.join('; ') } : {}),
    });
    r.diagnosis.advice.unshift(
      'pve-clonebot did not stop the task or touch the lock: it only stopped waiting',
    );
    return r;
  }
  if (out.kind === 'cancel-unconfirmed') {
    return fail({
      reason: 'cancelled',
      message: `stop requested; Proxmox had not ended the task after ${Math.round(ctx.cancelGraceMs / 1000)}s`,
    });
  }
  const outcome = classifyTaskExit(out.exitstatus);
  if (!outcome.ok) {
    if (outcome.kind === 'vmid-clash' && options.mayRetryVmid) return 'retry-new-vmid';
    return fail(
      { reason: out.cancelRequested ? 'cancelled' : outcome.reason, taskExitStatus: out.exitstatus },
      outcome.storage,
    );
  }
  await reporter.report('verifying-clone');
  const v = await verifyClone(ctx, {
    newVmid: s.newVmid,
    node: s.templateNode,
    ...(request.target === undefined ? {} : { target: request.target }),
  });
  if (v.ok) {
    const success: CloneSuccess = {
      ok: true,
      vmid: s.newVmid,
      name: request.name,
      node: v.node,
      mode: request.mode,
      templateVmid: s.templateVmid,
      bootDisk: v.bootDisk,
      durationMs: durationMs(),
      upid: s.upid,
    };
    if (request.storage !== undefined) success.storage = request.storage;
    if (request.pool !== undefined) success.pool = request.pool;
    if (outcome.warnings > 0) success.warnings = outcome.warnings;
    return success;
  }
  const ended = { taskExitStatus: out.exitstatus, taskState: 'stopped' as const };
  if (v.problem === 'missing-disk') {
    const vmScene = { ...scene, readNewVm: false };
    return {
      ok: false,
      ...base,
      diagnosis: await diagnoseCloneFailure(
        ctx,
        { ...evidence, ...ended, reason: 'clone-missing-disk', newVmConfig: v.config },
        vmScene,
      ),
      durationMs: durationMs(),
    };
  }
  if (v.problem === 'still-locked') {
    return fail({ ...ended, reason: 'timeout', newVmConfig: v.config, lock: { kind: v.lock } });
  }
  return fail({ ...ended, reason: 'proxmox-unreachable', message: v.message });
}
