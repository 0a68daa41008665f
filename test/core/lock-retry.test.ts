import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/core/diagnose.ts';
import {
  exhaustedLockRetries,
  isRetryLater,
  lockedStorage,
  lockRetryDelay,
} from '../../src/core/lock-retry.ts';
import type { CloneFailure } from '../../src/core/types.ts';

const failure = (exit: string): CloneFailure => ({
  ok: false,
  durationMs: 1000,
  diagnosis: diagnose({ reason: 'storage-lock-timeout', taskExitStatus: exit, newVmid: 200 }),
});
const local = "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout";
const shared = "clone failed: cfs-lock 'storage-ceph' error: got lock request timeout";

describe('storage lock retry policy', () => {
  it('doubles the pause and stops after the configured retries', () => {
    const policy = { retries: 3, firstDelayMs: 30_000 };
    expect([0, 1, 2, 3].map((n) => lockRetryDelay(n, policy))).toEqual([30_000, 60_000, 120_000, undefined]);
    expect(lockRetryDelay(0, { retries: 0, firstDelayMs: 1 })).toBeUndefined();
  });

  it('treats both of Proxmox wordings as retry later, and nothing else', () => {
    expect(isRetryLater(failure(local))).toBe(true);
    expect(isRetryLater(failure(shared))).toBe(true);
    expect(lockedStorage(failure(local))).toBe('local-lvm');
    expect(lockedStorage(failure(shared))).toBe('ceph');
    const other: CloneFailure = {
      ok: false,
      durationMs: 1,
      diagnosis: diagnose({ reason: 'task-failed', taskExitStatus: 'clone failed: no space left on device' }),
    };
    expect(isRetryLater(other)).toBe(false);
  });

  it('the last failure says how many attempts were made over how long, and drops "try again in a minute"', () => {
    const f = exhaustedLockRetries(failure(shared), 4, 7 * 60_000 + 31_000);
    expect(f.diagnosis.summary).toBe(
      'Proxmox timed out waiting for the lock of storage ceph while creating the new disk: other disk creations on it were slow (4 attempts over 7m 31s)',
    );
    expect(f.diagnosis.advice[0]).toBe(
      'pve-clonebot tried 4 times with growing pauses; each time Proxmox removed the partial VM',
    );
    expect(f.diagnosis.advice.join('\n')).not.toContain('try again in a minute');
    expect(exhaustedLockRetries(failure(shared), 1, 0)).toEqual(failure(shared));
  });
});
