import type { Clock } from '../clock.ts';
import { parseVmDescription } from '../core/vm-record.ts';
import { isProtected, protectionRefusal } from '../core/vm-protection.ts';
import { isAmbiguousWrite, ProxmoxApiError } from '../proxmox/errors.ts';
import type { ProxmoxClient, TaskStatus } from '../proxmox/types.ts';

/** The VM a failed clone left behind, as the request record knows it. */
export interface LeftoverTarget {
  vmid: number;
  node: string;
  /** The name the clone gave it: a VM with another name at this VMID is not ours to delete. */
  name: string;
  /** The clone task (record.result.upid or checkpoint.upid), to tell a running clone from a dead one. */
  cloneUpid?: string;
  /** The request the leftover belongs to: a VM whose description names another request is not ours. */
  requestId: string;
  /** The clone was POSTed with a description naming `requestId`: a VM naming no request is not ours either. */
  marked?: boolean;
  /**
   * The failure was judged before the clone task ended (timeout, cancelled) or by its exit (task-failed):
   * a task that has since ended OK made a good VM, which is not deleted. Not for clone-missing-disk, whose
   * task ends OK by definition.
   */
  taskMustHaveFailed?: boolean;
}

/** What became of a delete: refused (and why), deleted, or Proxmox's error. Only `deleted` changed anything. */
export type LeftoverDeletion =
  | { kind: 'gone' }
  | { kind: 'template' }
  | { kind: 'name-mismatch'; actual?: string }
  /** Its description names another request (`other`), or none though the clone wrote one. */
  | { kind: 'not-ours'; other?: string }
  | { kind: 'protected'; reason: string }
  /** The clone task ended OK after all (`exitstatus`), or Proxmox no longer knows it (`gone`). */
  | { kind: 'clone-succeeded'; exitstatus: string }
  | { kind: 'task-gone'; upid?: string }
  | { kind: 'clone-running'; upid: string }
  | { kind: 'task-unreadable'; detail: string }
  | {
      kind: 'locked';
      lock: string;
      /** running-clone: its clone task runs; dead-clone: a stub the ended task left; other: another lock. */
      holder: 'running-clone' | 'dead-clone' | 'other' | 'unknown';
      exitstatus?: string;
      detail?: string;
    }
  | { kind: 'deleted'; upid?: string; exitstatus?: string }
  | { kind: 'failed'; message: string; upid?: string };

/** What deleteLeftoverVm needs from Proxmox: read the VM and a task, destroy the VM. */
export type LeftoverVmProxmox = Pick<ProxmoxClient, 'findVmConfig' | 'getTaskStatus' | 'deleteVm'>;

/** Options for deleteLeftoverVm; the defaults suit a real cluster (qm destroy takes seconds to minutes). */
export interface DeleteLeftoverDeps {
  proxmox: LeftoverVmProxmox;
  clock: Clock;
  pollMs?: number;
  timeoutMs?: number;
}

type TaskState =
  | { state: 'running' | 'stopped'; exitstatus?: string }
  | { state: 'none' | 'unreadable'; detail?: string };

async function readTask(proxmox: LeftoverVmProxmox, upid: string | undefined): Promise<TaskState> {
  if (upid === undefined) return { state: 'unreadable', detail: 'the clone task is not known' };
  try {
    const t: TaskStatus = await proxmox.getTaskStatus(upid);
    return t.exitstatus === undefined ? { state: t.status } : { state: t.status, exitstatus: t.exitstatus };
  } catch (error) {
    // `no such task`: Proxmox no longer knows it, so it is not running.
    if (error instanceof ProxmoxApiError && error.isNotFound()) return { state: 'none' };
    return { state: 'unreadable', detail: (error as Error).message };
  }
}

const succeeded = (exit: string | undefined) => exit === 'OK' || /^WARNINGS: \d+$/.test(exit ?? '');

/**
 * Deletes the VM a failed clone left behind, but only when that is provably safe: it still exists on that
 * node, is not a template, its description names this request (a VMID `nextid` handed out again, or the
 * same name requested again, is someone else's VM), it carries no lock (a lock is never broken: a running
 * clone must be stopped or finish, a dead clone's stub needs a person's `qm unlock`), its clone task is not
 * running and, where the failure was judged before or by the task's end, did not end OK after all; it has
 * the requested name and no protection. Then sends one DELETE and follows the `qmdestroy` task to its end.
 */
export async function deleteLeftoverVm(
  deps: DeleteLeftoverDeps,
  target: LeftoverTarget,
): Promise<LeftoverDeletion> {
  const { proxmox, clock } = deps;
  const config = await proxmox.findVmConfig(target.node, target.vmid);
  if (config === undefined) return { kind: 'gone' };
  if (Number(config.template) === 1) return { kind: 'template' };
  const named = parseVmDescription(config.description)?.requestId;
  if (named !== undefined && named !== target.requestId) return { kind: 'not-ours', other: named };
  if (named === undefined && target.marked === true) return { kind: 'not-ours' };
  const task = await readTask(proxmox, target.cloneUpid);
  if (config.lock !== undefined) {
    const lock = String(config.lock);
    if (lock !== 'clone') return { kind: 'locked', lock, holder: 'other' };
    if (task.state === 'running') return { kind: 'locked', lock, holder: 'running-clone' };
    if (task.state === 'unreadable') {
      return { kind: 'locked', lock, holder: 'unknown', ...(task.detail ? { detail: task.detail } : {}) };
    }
    const exit = task.state === 'stopped' ? task.exitstatus : undefined;
    return {
      kind: 'locked',
      lock,
      holder: 'dead-clone',
      ...(exit === undefined ? {} : { exitstatus: exit }),
    };
  }
  // Without a lock the clone may still be finishing (pool, target move): let it end first.
  if (target.cloneUpid !== undefined) {
    if (task.state === 'running') return { kind: 'clone-running', upid: target.cloneUpid };
    if (task.state === 'unreadable')
      return { kind: 'task-unreadable', detail: task.detail ?? 'unknown error' };
  }
  if (target.taskMustHaveFailed === true) {
    if (task.state === 'unreadable')
      return { kind: 'task-unreadable', detail: task.detail ?? 'unknown error' };
    // Without the task's end there is no telling a late success from a failure: a person must look.
    if (task.state === 'none')
      return target.cloneUpid === undefined
        ? { kind: 'task-gone' }
        : { kind: 'task-gone', upid: target.cloneUpid };
    if (task.state === 'stopped' && succeeded(task.exitstatus))
      return { kind: 'clone-succeeded', exitstatus: task.exitstatus ?? 'OK' };
  }
  if (config.name !== target.name) {
    return config.name === undefined
      ? { kind: 'name-mismatch' }
      : { kind: 'name-mismatch', actual: String(config.name) };
  }
  if (isProtected(config)) return { kind: 'protected', reason: protectionRefusal(target.vmid) };
  let upid: string;
  try {
    upid = await proxmox.deleteVm(target.node, target.vmid);
  } catch (error) {
    if (error instanceof ProxmoxApiError && error.isNotFound()) return { kind: 'gone' };
    if (!isAmbiguousWrite(error)) return { kind: 'failed', message: proxmoxWords(error) };
    // No answer: whether Proxmox acted is settled by looking, never by sending the DELETE again.
    await clock.sleep(deps.pollMs ?? 2000);
    const after = await proxmox.findVmConfig(target.node, target.vmid).catch(() => config);
    if (after === undefined) return { kind: 'deleted' };
    return {
      kind: 'failed',
      message: `${proxmoxWords(error)}; VM ${target.vmid} is still there: look for a qmdestroy task in Datacenter → Tasks before trying again`,
    };
  }
  return followDestroy(deps, target, upid);
}

async function followDestroy(
  deps: DeleteLeftoverDeps,
  target: LeftoverTarget,
  upid: string,
): Promise<LeftoverDeletion> {
  const deadline = deps.clock.now() + (deps.timeoutMs ?? 10 * 60_000);
  for (;;) {
    const t = await readTask(deps.proxmox, upid);
    if (t.state === 'stopped') {
      const exit = t.exitstatus;
      if (!succeeded(exit))
        return { kind: 'failed', upid, message: exit ?? 'the task ended without a status' };
      const left = await deps.proxmox.findVmConfig(target.node, target.vmid).catch(() => undefined);
      if (left !== undefined)
        return {
          kind: 'failed',
          upid,
          message: `the task ended ${exit} but VM ${target.vmid} is still there`,
        };
      return exit === undefined ? { kind: 'deleted', upid } : { kind: 'deleted', upid, exitstatus: exit };
    }
    if (deps.clock.now() >= deadline) {
      return {
        kind: 'failed',
        upid,
        message: 'the qmdestroy task had not ended when the bot stopped waiting; see its log in Proxmox',
      };
    }
    await deps.clock.sleep(deps.pollMs ?? 1000);
  }
}

function proxmoxWords(error: unknown): string {
  if (error instanceof ProxmoxApiError && error.proxmoxMessage !== '') return error.proxmoxMessage.trim();
  return (error as Error).message;
}
