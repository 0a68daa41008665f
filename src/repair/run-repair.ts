import type { Clock } from '../clock.ts';
import type { CloneEngine } from '../clone/types.ts';
import { findBootDisk } from '../core/boot-disk.ts';
import { describeRepairStep } from '../core/describe-repair-plan.ts';
import { formatDuration } from '../core/format.ts';
import type {
  RepairCheckpoint,
  RepairPlan,
  RepairProgress,
  RepairResult,
  RepairStep,
} from '../core/repair-types.ts';
import type { Logger } from '../logger.ts';
import { isAmbiguousWrite, ProxmoxApiError } from '../proxmox/errors.ts';
import type { ProxmoxClient } from '../proxmox/types.ts';
import { followTask, taskSucceeded } from './follow-task.ts';

/** What runRepair needs; the composition root (CLI or worker) builds these. */
export interface RepairDeps {
  proxmox: ProxmoxClient;
  engine: CloneEngine;
  clock: Clock;
  logger: Logger;
  /** Longest a destroy, migrate or template task is followed (default 30 min). */
  taskTimeoutMs?: number;
  /** Pause between task polls (default 2 s). */
  pollMs?: number;
  /** After a task ended OK: how long its lock may take to clear (default 60 s). */
  lockClearMs?: number;
}

/** Options of one run: progress, checkpoints to save, a checkpoint to resume from, cancel. */
export interface RepairRunOptions {
  onProgress?: (p: RepairProgress) => void | Promise<void>;
  onCheckpoint?: (c: RepairCheckpoint) => Promise<void>;
  resume?: RepairCheckpoint;
  signal?: AbortSignal;
}

class StepFailed extends Error {
  constructor(
    message: string,
    readonly proxmoxError?: string,
    readonly taskLogTail?: string[],
  ) {
    super(message);
  }
}

const TASK_TYPE: Record<Exclude<RepairStep['kind'], 'clone'>, string> = {
  destroy: 'qmdestroy',
  migrate: 'qmigrate',
  template: 'qmtemplate',
};

/**
 * Runs a repair plan step by step; each step is one Proxmox task followed to its end, then checked (the
 * clone step through the clone engine: boot disk verified, lock cleared; a migration: the VM on the target,
 * unlocked, with its boot disk; a conversion: `template: 1`). The source is re-read first and a changed
 * config (digest) stops the repair before anything is sent. A failure names the step, Proxmox's error and
 * what is left behind; no POST is ever sent twice (a resumed run follows the saved task).
 */
export async function runRepair(
  deps: RepairDeps,
  plan: RepairPlan,
  options: RepairRunOptions = {},
): Promise<RepairResult> {
  const { proxmox, clock } = deps;
  const startedAt = clock.now();
  const taskTimeoutMs = deps.taskTimeoutMs ?? 30 * 60_000;
  const pollMs = deps.pollMs ?? 2000;
  let cp: RepairCheckpoint = options.resume ?? { done: 0 };
  const save = async (next: RepairCheckpoint) => {
    cp = next;
    await options.onCheckpoint?.(next);
  };
  const ids = { base: plan.base, node: plan.node, vmid: plan.targetVmid };
  const progress = async (i: number, step: RepairStep, extra: Partial<RepairProgress> = {}) => {
    const elapsedMs = clock.now() - startedAt;
    const p: RepairProgress = {
      step: i + 1,
      steps: plan.steps.length,
      kind: step.kind,
      message: `step ${i + 1}/${plan.steps.length}: ${describeRepairStep(step)} (${formatDuration(elapsedMs)})`,
      elapsedMs,
      ...extra,
    };
    try {
      await options.onProgress?.(p);
    } catch (err) {
      deps.logger.warn({ err: String(err) }, 'repair progress not delivered');
    }
  };

  if (cp.done === 0 && cp.upid === undefined && !cp.posted && cp.clone === undefined) {
    const changed = await sourceChanged(deps, plan);
    if (changed !== undefined)
      return {
        ok: false,
        ...ids,
        error: changed,
        leftBehind: 'nothing: no step was started',
        durationMs: clock.now() - startedAt,
      };
  }

  for (let i = cp.done; i < plan.steps.length; i++) {
    const step = plan.steps[i] as RepairStep;
    await progress(i, step);
    try {
      if (step.kind === 'clone') await runClone(deps, step, i, cp, save, options, progress);
      else await runTaskStep(deps, step, i, cp, save, options, { taskTimeoutMs, pollMs }, progress);
    } catch (error) {
      const e =
        error instanceof StepFailed
          ? error
          : new StepFailed(error instanceof Error ? error.message : String(error));
      const r: RepairResult = {
        ok: false,
        ...ids,
        step: { index: i + 1, kind: step.kind, description: describeRepairStep(step) },
        error: e.message,
        leftBehind: await leftBehind(deps, plan, i),
        durationMs: clock.now() - startedAt,
      };
      if (e.proxmoxError !== undefined) r.proxmoxError = e.proxmoxError;
      if (e.taskLogTail !== undefined && e.taskLogTail.length > 0) r.taskLogTail = e.taskLogTail;
      return r;
    }
    await save({ done: i + 1 });
  }
  const config = await proxmox.getVmConfig(plan.node, plan.targetVmid);
  const boot = findBootDisk(config)?.key;
  return {
    ok: true,
    ...ids,
    ...(boot === undefined ? {} : { bootDisk: boot }),
    durationMs: clock.now() - startedAt,
  };
}

/** Why the source may not be used any more (gone, locked, changed since the plan), or undefined. */
async function sourceChanged(deps: RepairDeps, plan: RepairPlan): Promise<string | undefined> {
  const { source } = plan;
  const config = await deps.proxmox.findVmConfig(source.node, source.vmid);
  if (!config) return `source template ${source.vmid} is no longer on ${source.node}: plan the repair again`;
  if (config.lock !== undefined)
    return `source template ${source.vmid} on ${source.node} is locked (${config.lock}): try again when it is free`;
  if (source.digest !== undefined && String(config.digest) !== source.digest)
    return `source template ${source.vmid} on ${source.node} changed since the plan was made (config digest ${String(config.digest).slice(0, 12)}, planned ${source.digest.slice(0, 12)}): plan the repair again`;
  return undefined;
}

async function runClone(
  deps: RepairDeps,
  step: Extract<RepairStep, { kind: 'clone' }>,
  i: number,
  cp: RepairCheckpoint,
  save: (c: RepairCheckpoint) => Promise<void>,
  options: RepairRunOptions,
  progress: (i: number, step: RepairStep, extra?: Partial<RepairProgress>) => Promise<void>,
): Promise<void> {
  const result = await deps.engine.cloneVmFromTemplate(
    {
      template: { kind: 'vmid', vmid: step.vmid },
      name: step.name,
      node: step.node,
      mode: 'full',
      vmid: step.newid,
      ...(step.target === undefined ? {} : { target: step.target }),
    },
    {
      templateCopy: true,
      ...(cp.clone === undefined ? {} : { resume: cp.clone }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onCheckpoint: (clone) => save({ done: i, clone }),
      onProgress: (p) =>
        progress(i, step, {
          ...(p.upid === undefined ? {} : { upid: p.upid }),
          ...(p.percent === undefined ? {} : { percent: p.percent }),
        }),
    },
  );
  if (!result.ok) {
    throw new StepFailed(
      result.diagnosis.summary,
      result.diagnosis.taskExitStatus,
      result.diagnosis.taskLogTail,
    );
  }
}

async function runTaskStep(
  deps: RepairDeps,
  step: Exclude<RepairStep, { kind: 'clone' }>,
  i: number,
  cp: RepairCheckpoint,
  save: (c: RepairCheckpoint) => Promise<void>,
  options: RepairRunOptions,
  timing: { taskTimeoutMs: number; pollMs: number },
  progress: (i: number, step: RepairStep, extra?: Partial<RepairProgress>) => Promise<void>,
): Promise<void> {
  let upid = cp.done === i ? cp.upid : undefined;
  if (upid === undefined && cp.done === i && cp.posted) {
    // An earlier run sent this POST and died before the answer: find its task, never send it again.
    upid = await findTask(deps, step);
    if (upid === undefined) {
      if (await postconditionHolds(deps, step)) return;
      throw new StepFailed(
        `cannot tell whether the interrupted ${step.kind} of VM ${step.vmid} started: not sending it again; look at the tasks of ${step.node}`,
      );
    }
  }
  if (upid === undefined) {
    if (options.signal?.aborted) throw new StepFailed('cancelled before this step started');
    await save({ done: i, posted: true });
    try {
      upid =
        step.kind === 'destroy'
          ? await deps.proxmox.deleteVm(step.node, step.vmid)
          : step.kind === 'migrate'
            ? await deps.proxmox.migrateVm({
                node: step.node,
                vmid: step.vmid,
                target: step.target,
                targetstorage: step.targetstorage,
                withLocalDisks: true,
              })
            : await deps.proxmox.convertToTemplate(step.node, step.vmid);
    } catch (error) {
      if (isAmbiguousWrite(error)) {
        upid = await findTask(deps, step);
        if (upid === undefined)
          throw new StepFailed(
            `no answer from Proxmox to the ${step.kind} request (${String(error)}), and no task of it found: not sending it again; look at the tasks of ${step.node}`,
          );
      } else {
        const msg = error instanceof ProxmoxApiError ? error.proxmoxMessage : String(error);
        throw new StepFailed(`Proxmox refused the ${step.kind}: ${msg}`, msg);
      }
    }
    await save({ done: i, upid });
  }
  await progress(i, step, { upid });
  const end = await followTask(deps, upid, {
    timeoutMs: timing.taskTimeoutMs,
    pollMs: timing.pollMs,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if (end.kind === 'timeout')
    throw new StepFailed(
      `task ${upid} had not ended after ${formatDuration(timing.taskTimeoutMs)}${end.lastError === undefined ? '' : ` (last error: ${end.lastError})`}; pve-clonebot did not stop it`,
    );
  if (!taskSucceeded(end.exitstatus)) {
    // qmigrate ends with a bare `migration aborted`: its reason is on the log's `ERROR:` line.
    const why = end.logTail
      .filter((l) => !l.startsWith('TASK ') && / ERROR: /.test(l))
      .pop()
      ?.replace(/^.*? ERROR: /, '')
      .replace(/^migration aborted \(duration [\d:]+\): /, '');
    throw new StepFailed(
      `the ${step.kind} task failed: ${end.exitstatus}${why === undefined ? '' : ` (${why})`}`,
      end.exitstatus,
      end.logTail,
    );
  }
  await waitForPostcondition(deps, step);
}

/** A recent or running task of this step's type for its VM (after a lost POST answer). */
async function findTask(
  deps: RepairDeps,
  step: Exclude<RepairStep, { kind: 'clone' }>,
): Promise<string | undefined> {
  try {
    // The node's own list: /cluster/tasks hides a token's tasks without Sys.Audit on `/`.
    const tasks = await deps.proxmox.listNodeTasks(step.node, {
      typefilter: TASK_TYPE[step.kind],
      vmid: step.vmid,
    });
    return tasks
      .filter((t) => t.type === TASK_TYPE[step.kind] && t.id === String(step.vmid) && t.node === step.node)
      .sort((a, b) => b.starttime - a.starttime)[0]?.upid;
  } catch {
    return undefined;
  }
}

/** Whether the step's effect is already there (destroyed, on the target unlocked, a template). */
async function postconditionHolds(
  deps: RepairDeps,
  step: Exclude<RepairStep, { kind: 'clone' }>,
): Promise<boolean> {
  const where = step.kind === 'migrate' ? step.target : step.node;
  const config = await deps.proxmox.findVmConfig(where, step.vmid);
  if (step.kind === 'destroy') return config === undefined;
  if (!config || config.lock !== undefined || findBootDisk(config) === undefined) return false;
  return step.kind === 'migrate' || Number(config.template ?? 0) === 1;
}

/** After a task ended OK: the lock clears and the disk is where it should be, or the step failed. */
async function waitForPostcondition(
  deps: RepairDeps,
  step: Exclude<RepairStep, { kind: 'clone' }>,
): Promise<void> {
  const deadline = deps.clock.now() + (deps.lockClearMs ?? 60_000);
  for (;;) {
    if (await postconditionHolds(deps, step)) return;
    if (deps.clock.now() >= deadline) {
      const where = step.kind === 'migrate' ? step.target : step.node;
      const config = await deps.proxmox.findVmConfig(where, step.vmid);
      if (step.kind === 'destroy')
        throw new StepFailed(`task ended OK but VM ${step.vmid} is still on ${step.node}`);
      if (!config) throw new StepFailed(`task ended OK but VM ${step.vmid} is not on ${where}`);
      if (config.lock !== undefined)
        throw new StepFailed(
          `task ended OK but VM ${step.vmid} is still locked (${config.lock}); pve-clonebot did not touch the lock`,
        );
      if (findBootDisk(config) === undefined)
        throw new StepFailed(`task ended OK but VM ${step.vmid} on ${where} has no boot disk`);
      throw new StepFailed(`task ended OK but VM ${step.vmid} on ${where} is not a template`);
    }
    await deps.clock.sleep(1000);
  }
}

/** What the cluster holds at the target VMID after step `failed` (0-based) failed, and what to do with it. */
async function leftBehind(deps: RepairDeps, plan: RepairPlan, failed: number): Promise<string> {
  const destroyed = plan.steps.slice(0, failed).some((s) => s.kind === 'destroy');
  const gone = destroyed ? `the broken copy ${plan.targetVmid} was destroyed; ` : '';
  let vm: { node: string; template: boolean; lock?: string } | undefined;
  try {
    vm = (await deps.proxmox.listClusterVms()).find((v) => v.vmid === plan.targetVmid);
  } catch (error) {
    return `${gone}unknown: the cluster could not be read (${String(error)}); look for VM ${plan.targetVmid}`;
  }
  if (!vm) return `${gone}nothing at VMID ${plan.targetVmid}: repair again when the cause is fixed`;
  if (vm.template && vm.node === plan.node && !destroyed && plan.steps[failed]?.kind === 'destroy')
    return `the broken copy ${plan.targetVmid} on ${plan.node} is still there, untouched`;
  const lock = vm.lock === undefined ? '' : `, lock: ${vm.lock}`;
  const kind = vm.template ? 'a template' : 'not a template';
  return `${gone}VM ${plan.targetVmid} on ${vm.node} (${kind}${lock}), a copy of template ${plan.source.vmid}: look at it, then delete it (qm destroy ${plan.targetVmid}) before repairing again`;
}
