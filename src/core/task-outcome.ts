import type { FailureReason } from './types.ts';

/** What a stopped task's exitstatus means for a clone. */
export type TaskOutcome =
  | { ok: true; warnings: number }
  | {
      ok: false;
      kind: 'storage-lock-timeout' | 'vmid-clash' | 'cancelled' | 'task-failed';
      reason: FailureReason;
      /** The exit status without Proxmox's `clone failed: ` prefix. */
      message: string;
      /** The storage whose lock timed out. */
      storage?: string;
      /** Another lock file that timed out (`/var/lock/qemu-server/lock-101.conf`) and its VM. */
      lock?: { file: string; vmid?: number };
      /** Whether sending the clone again may work: later (storage lock) or with a new VMID (clash). */
      retry: 'later' | 'new-vmid' | 'no';
    };

/**
 * Classifies a task exitstatus: `OK` and `WARNINGS: N` are successes; a storage lock timeout, a VMID clash
 * (`File exists` / `config file already exists`), a stop (`interrupted by signal`) and every other text are
 * failures with Proxmox's own words kept.
 */
export function classifyTaskExit(exitstatus: string): TaskOutcome {
  const status = exitstatus.trim();
  if (status === 'OK') return { ok: true, warnings: 0 };
  const warn = /^WARNINGS: (\d+)$/.exec(status);
  if (warn) return { ok: true, warnings: Number(warn[1]) };
  const message = status.replace(/^clone failed: /, '');
  // Node-local storage: a lock file; shared storage: a pmxcfs lock (pve-storage Plugin.pm cluster_lock_storage).
  const storageLock =
    /can't lock file '\/var\/lock\/pve-manager\/pve-storage-([^']+)' - got timeout/.exec(status) ??
    /cfs-lock 'storage-([^']+)' error: got lock request timeout/.exec(status);
  if (storageLock) {
    return {
      ok: false,
      kind: 'storage-lock-timeout',
      reason: 'storage-lock-timeout',
      message,
      storage: storageLock[1] as string,
      retry: 'later',
    };
  }
  if (/File exists|config file already exists/.test(status)) {
    return { ok: false, kind: 'vmid-clash', reason: 'vmid-taken', message, retry: 'new-vmid' };
  }
  if (/interrupted by signal/.test(status)) {
    return { ok: false, kind: 'cancelled', reason: 'cancelled', message, retry: 'no' };
  }
  const otherLock = /can't lock file '([^']+)' - got timeout/.exec(status);
  if (otherLock) {
    const file = otherLock[1] as string;
    const vmid = /lock-(\d+)\.conf$/.exec(file)?.[1];
    return {
      ok: false,
      kind: 'task-failed',
      reason: 'task-failed',
      message,
      lock: vmid === undefined ? { file } : { file, vmid: Number(vmid) },
      retry: 'later',
    };
  }
  return { ok: false, kind: 'task-failed', reason: 'task-failed', message: message || status, retry: 'no' };
}
