import { formatDuration } from './format.ts';
import type { CloneFailure, CloneResult } from './types.ts';

/**
 * How often a clone that met a storage lock timeout is sent again, and how long it waits first.
 * Proxmox holds a storage's lock only while it creates a volume (pve-storage `PVE::Storage::vdisk_alloc` under
 * `cluster_lock_storage`), so a timeout means disk creation there was slow for a moment: trying again later
 * usually works. The failed task has already freed its volumes and removed the new VM's config
 * (qemu-server `PVE::API2::Qemu` `clone_vm`, its error handler), so a new attempt starts clean.
 */
export interface LockRetryPolicy {
  /** New attempts after the first (0 = report the first timeout as the failure). */
  retries: number;
  /** Wait before the first new attempt (ms); each next wait doubles. */
  firstDelayMs: number;
}

export const DEFAULT_LOCK_RETRY: LockRetryPolicy = { retries: 3, firstDelayMs: 30_000 };

/** A result that a later attempt may turn around: a storage lock timeout (both of Proxmox's wordings). */
export function isRetryLater(result: CloneResult): result is CloneFailure {
  return !result.ok && result.diagnosis.reason === 'storage-lock-timeout';
}

/** The wait before new attempt number `retriesDone + 1`, or undefined when the retries are used up. */
export function lockRetryDelay(retriesDone: number, policy: LockRetryPolicy): number | undefined {
  if (retriesDone >= policy.retries) return undefined;
  return policy.firstDelayMs * 2 ** retriesDone;
}

/** The storage a lock-timeout diagnosis names (`local-lvm`), from Proxmox's exit status. */
export function lockedStorage(failure: CloneFailure): string | undefined {
  const status = failure.diagnosis.taskExitStatus ?? '';
  return (
    /(?:pve-storage-|cfs-lock 'storage-)([^']+)'/.exec(status)?.[1] ??
    failure.diagnosis.storage?.split(':')[0]
  );
}

/**
 * The final failure after the last attempt also timed out: says how many attempts were made over how long,
 * so nobody retries by hand at once expecting a different answer.
 */
export function exhaustedLockRetries(failure: CloneFailure, attempts: number, spanMs: number): CloneFailure {
  if (attempts <= 1) return failure;
  const d = failure.diagnosis;
  return {
    ...failure,
    diagnosis: {
      ...d,
      summary: `${d.summary} (${attempts} attempts over ${formatDuration(spanMs)})`,
      advice: [
        `pve-clonebot tried ${attempts} times with growing pauses; each time Proxmox removed the partial VM`,
        ...d.advice.filter((a) => !/^try again in a minute/.test(a)),
      ],
    },
  };
}
