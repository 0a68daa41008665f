import { describe, expect, it } from 'vitest';
import { renderCloneResult } from '../../src/cli/render-clone-result.ts';
import { diagnose } from '../../src/core/diagnose.ts';

describe('renderCloneResult', () => {
  it('prints a failed task once as the headline, not "Clone failed: Clone of … failed"', () => {
    const diagnosis = diagnose({
      reason: 'task-failed',
      templateVmid: 112,
      taskExitStatus:
        "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
      newVmConfig: 'removed',
    });
    const lines = renderCloneResult({ ok: false, durationMs: 1000, diagnosis });
    expect(lines[0]).toBe(
      "Clone of template 112 failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
    );
    expect(lines.filter((l) => /^Clone (of .* )?failed/.test(l))).toHaveLength(1);
  });

  it('prefixes a cancel with "Clone cancelled" only when its summary does not say so', () => {
    const cancelled = diagnose({
      reason: 'cancelled',
      newVmid: 106,
      taskExitStatus: 'interrupted by signal',
    });
    expect(renderCloneResult({ ok: false, durationMs: 1, diagnosis: cancelled })[0]).toBe(
      'Clone of VM 106 cancelled: Proxmox stopped the task (interrupted by signal)',
    );
    const terse = { reason: 'cancelled' as const, summary: 'Stopped', advice: [] };
    expect(renderCloneResult({ ok: false, durationMs: 1, diagnosis: terse })[0]).toBe(
      'Clone cancelled: Stopped',
    );
  });
});
