import { clonedDriveKeys } from '../core/boot-disk.ts';
import { classifyCloneError } from '../core/clone-error.ts';
import { diagnose } from '../core/diagnose.ts';
import { mergeFields } from '../core/merge-fields.ts';
import type { DiagnosisEvidence } from '../core/diagnosis-evidence.ts';
import { formatTemplateRef } from '../core/template-ref.ts';
import type { CloneCheckpoint, CloneFailure, CloneRequest, CloneResult } from '../core/types.ts';
import { CloneNotStartedError, ProxmoxApiError } from '../proxmox/errors.ts';
import type { CloneParams } from '../proxmox/types.ts';
import { allocateVmid } from './allocate-vmid.ts';
import type { EngineContext } from './engine-context.ts';
import { findStartedClone } from './find-started-clone.ts';
import { followClone, type StartedCloneState } from './follow-clone.ts';
import { runPreflight } from './preflight.ts';
import { ProgressReporter } from './progress-reporter.ts';
import { apiErrorFacts, errorMessage, readFailureReason } from './proxmox-error-facts.ts';
import type { CloneRunOptions, ResolvedTemplate } from './types.ts';

/**
 * Verify → allocate a VMID → start the clone ONCE → follow its task to the real end → verify the new VM.
 * Checkpoints are awaited after verification, after allocation and as soon as the UPID is known, so a
 * resumed run follows the same task and never POSTs twice; a resume that knows a VMID first looks for a clone
 * already sent to it. A VMID clash is retried with a fresh id (bounded), never for a reused VMID without proof.
 * `lost` (the job is another worker's now) stops the run at once, without touching the Proxmox task.
 */
export async function cloneVmFromTemplate(
  ctx: EngineContext,
  request: CloneRequest,
  options: CloneRunOptions = {},
): Promise<CloneResult> {
  const runStartedAt = ctx.clock.now();
  const resume = options.resume;
  const reporter = new ProgressReporter(ctx, resume?.startedAt ?? runStartedAt, options.onProgress);
  const failure = (
    ev: Omit<DiagnosisEvidence, 'request'>,
    extra: Partial<CloneFailure> = {},
  ): CloneFailure => ({
    ok: false,
    diagnosis: diagnose({ request, node: request.node, ...ev }),
    durationMs: ctx.clock.now() - runStartedAt,
    ...extra,
  });
  const cancelledBeforeStart = () => failure({ reason: 'cancelled', cancelledBeforeStart: true });
  const lost = options.lost;
  const stopIfLost = () => {
    if (lost?.aborted) throw lost.reason;
  };
  const checkpoint = async (cp: CloneCheckpoint, mustSave: boolean) => {
    if (!options.onCheckpoint) return;
    try {
      await options.onCheckpoint(cp);
    } catch (error) {
      // Before the POST an unsaved checkpoint could mean a second clone later: stop (the caller retries).
      // A refused one means another worker owns the job now: stop whatever the step.
      stopIfLost();
      if (mustSave) throw error;
      ctx.logger.error({ err: errorMessage(error), step: cp.step }, 'could not save the clone checkpoint');
    }
  };
  const follow = async (s: StartedCloneState, mayRetryVmid: boolean) => {
    reporter.newVmid = s.newVmid;
    reporter.upid = s.upid;
    reporter.templateVmid = s.templateVmid;
    const r = await followClone(ctx, request, s, reporter, {
      runStartedAt,
      mayRetryVmid,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(lost ? { lost } : {}),
    });
    stopIfLost();
    if (r !== 'retry-new-vmid') {
      const { startedAt: _s, diskCount: _d, ...ids } = s;
      await checkpoint({ step: 'completed', ...ids, startedAt: s.startedAt }, false);
    }
    return r;
  };

  /**
   * An interrupted attempt's VMID (from a checkpoint, or met again as "already exists"): its clone may have
   * been sent by an earlier run, or by a paused worker that lost the job. Follows that clone if it started;
   * 'not-started' only when provably not; a failure (nothing sent) when it cannot be told.
   */
  const adoptInterrupted = async (cp: CloneCheckpoint & { newVmid: number }) => {
    let found: Awaited<ReturnType<typeof findStartedClone>>;
    try {
      found = await findStartedClone(ctx, cp);
    } catch (error) {
      found = { kind: 'unknown', why: errorMessage(error) };
    }
    stopIfLost();
    if (found.kind === 'unknown') {
      return failure(
        {
          reason: 'proxmox-unreachable',
          newVmid: cp.newVmid,
          message: `cannot tell whether the interrupted clone to VM ${cp.newVmid} started (${found.why}); not cloning again`,
        },
        { vmid: cp.newVmid },
      );
    }
    if (found.kind === 'not-started') return 'not-started' as const;
    const s = {
      templateVmid: cp.templateVmid as number,
      templateNode: cp.templateNode as string,
      newVmid: cp.newVmid,
      upid: found.upid,
      startedAt: cp.startedAt ?? runStartedAt,
    };
    await checkpoint({ step: 'started', ...s }, false);
    const r = await follow(s, false);
    return r === 'retry-new-vmid' ? ('not-started' as const) : r;
  };

  // The interrupted attempt's VMID and start, reused (not a fresh id) while no clone of it is proven.
  let reuse: { newVmid: number; startedAt: number } | undefined;
  if (
    resume?.upid &&
    resume.newVmid !== undefined &&
    resume.templateVmid !== undefined &&
    resume.templateNode
  ) {
    const r = await follow(
      {
        templateVmid: resume.templateVmid,
        templateNode: resume.templateNode,
        newVmid: resume.newVmid,
        upid: resume.upid,
        startedAt: resume.startedAt ?? runStartedAt,
      },
      false,
    );
    if (r !== 'retry-new-vmid') return r;
  } else if ((resume?.step === 'allocated' || resume?.step === 'verified') && resume.newVmid !== undefined) {
    // Every resume that knows a VMID looks for its clone first: a 'verified' one carries the VMID of the
    // attempt before it, whose clone a paused worker may still have sent.
    const r = await adoptInterrupted({ ...resume, newVmid: resume.newVmid });
    if (r !== 'not-started') return r;
    if (request.vmid === undefined) {
      reuse = { newVmid: resume.newVmid, startedAt: resume.startedAt ?? runStartedAt };
    }
  }

  if (options.signal?.aborted) return cancelledBeforeStart();
  reporter.templateVmid = `${formatTemplateRef(request.template)} on ${request.node}`;
  await reporter.report('verifying-template');
  // A place among the clones checking and starting, held until the clone POST answers or the run ends (every
  // exit below releases it): see start-gate.ts.
  const starting = await ctx.startGate.enter();
  let verified: Awaited<ReturnType<typeof verify>>;
  try {
    verified = await verify();
  } catch (error) {
    starting.release();
    throw error;
  }
  if ('ok' in verified) {
    starting.release();
    return verified;
  }
  const { template, diskCount } = verified;
  const ids = { templateVmid: template.vmid, templateNode: template.node };
  let held: number | undefined;

  // The VMID stays reserved in this process until the run ends: the new VM's stub config appears a moment
  // after the POST answered, and until then nextid would hand the same id to a sibling clone.
  try {
    return await attemptClones();
  } finally {
    if (held !== undefined) ctx.pendingVmids.delete(held);
    starting.release();
  }

  /**
   * The pre-clone check, checkpointed: the template and its disk count, or the failure. Only these outlive it:
   * the template's config and the storages it read would otherwise stay in this run's frame for the whole
   * clone (a worker follows up to a thousand: issue 9).
   */
  async function verify(): Promise<{ template: ResolvedTemplate; diskCount: number } | CloneResult> {
    const pre = await runPreflight(ctx, request, { templateCopy: options.templateCopy === true });
    if (!pre.ok) return { ok: false, diagnosis: pre.diagnosis, durationMs: ctx.clock.now() - runStartedAt };
    const t = pre.facts.template;
    reporter.templateVmid = t.vmid;
    // The reused VMID stays in the checkpoint: a run resumed from here looks for its clone before any other.
    await checkpoint(
      { step: 'verified', templateVmid: t.vmid, templateNode: t.node, ...(reuse ?? {}) },
      true,
    );
    return { template: t, diskCount: clonedDriveKeys(pre.facts.templateConfig).length };
  }

  async function attemptClones(): Promise<CloneResult> {
    for (let attempt = 1; ; attempt++) {
      const mayRetryVmid = request.vmid === undefined && attempt < ctx.maxVmidAttempts;
      if (options.signal?.aborted) return cancelledBeforeStart();
      await reporter.report('allocating-vmid');
      let newVmid: number;
      try {
        newVmid = request.vmid ?? reuse?.newVmid ?? (await allocateVmid(ctx));
      } catch (error) {
        return failure({ reason: readFailureReason(error), ...ids, message: errorMessage(error) }, ids);
      }
      const reused = reuse;
      reuse = undefined;
      if (held !== undefined && held !== newVmid) ctx.pendingVmids.delete(held);
      held = request.vmid === undefined ? newVmid : undefined;
      reporter.newVmid = newVmid;
      // A reused VMID keeps its first start: a search for its clone must see one sent since then.
      const startedAt = reused?.startedAt ?? ctx.clock.now();
      await checkpoint({ step: 'allocated', ...ids, newVmid, startedAt }, true);
      if (options.signal?.aborted) return cancelledBeforeStart();
      // The last moment to learn that this worker was paused past its job lock and the job is another's.
      await options.confirmOwner?.();
      stopIfLost();
      await reporter.report('starting');
      const params: CloneParams = {
        node: template.node,
        templateVmid: template.vmid,
        newid: newVmid,
        name: request.name,
        full: request.mode === 'full',
      };
      if (request.target !== undefined && request.target !== template.node) params.target = request.target;
      if (request.storage !== undefined) params.storage = request.storage;
      if (request.pool !== undefined) params.pool = request.pool;
      if (request.description !== undefined) params.description = request.description;
      let upid: string;
      try {
        upid = await ctx.proxmox.startClone(params);
        starting.release(); // started: following it needs no place
      } catch (error) {
        const tag = { ...ids, vmid: newVmid };
        if (error instanceof CloneNotStartedError) {
          // The node could not be reached (595): a fresh VMID would meet the same wall, so fail once.
          if (error.cause instanceof ProxmoxApiError && error.cause.isNodeUnreachable()) {
            const cls = classifyCloneError(apiErrorFacts(error.cause));
            return failure({ reason: cls.reason, cloneError: cls, ...ids, newVmid }, tag);
          }
          ctx.logger.warn({ newVmid, attempt, err: error.message }, 'clone did not start; trying again');
          if (attempt < ctx.maxVmidAttempts) continue;
          return failure({ reason: 'proxmox-unreachable', ...ids, newVmid, message: error.message }, tag);
        }
        if (error instanceof ProxmoxApiError && error.isDefinite()) {
          const cls = classifyCloneError(apiErrorFacts(error), {
            newid: newVmid,
            ...(request.pool === undefined ? {} : { pool: request.pool }),
          });
          if (cls.retry === 'new-vmid' && reused !== undefined) {
            // Taken, but maybe by this request's own clone (sent by a worker that lost the job): never a
            // fresh VMID until the search proves no clone of ours exists.
            const r = await adoptInterrupted({ step: 'allocated', ...ids, newVmid, startedAt });
            if (r !== 'not-started') return r;
          }
          if (cls.retry === 'new-vmid' && mayRetryVmid) {
            ctx.logger.warn({ newVmid, attempt }, 'VMID taken meanwhile; retrying with a fresh one');
            continue;
          }
          return failure({ reason: cls.reason, cloneError: cls, ...ids, newVmid }, tag);
        }
        // No definite answer and no proof either way: never POST again; a person must look.
        const d = failure(
          {
            reason: readFailureReason(error),
            ...ids,
            newVmid,
            message: `${errorMessage(error)}; the clone may have started: check VM ${newVmid} and the tasks of ${template.node} before retrying`,
          },
          tag,
        );
        return d;
      }
      const s: StartedCloneState = mergeFields(ids, { newVmid, upid, startedAt, diskCount });
      await checkpoint({ step: 'started', ...ids, newVmid, upid, startedAt }, false);
      // A reused VMID's 'File exists' may be this request's other clone: no fresh VMID then.
      const r = await follow(s, mayRetryVmid && reused === undefined);
      if (r !== 'retry-new-vmid') return r;
      ctx.logger.warn(
        { newVmid, attempt },
        'VMID was taken on another node (File exists); retrying with a fresh one',
      );
    }
  }
}
