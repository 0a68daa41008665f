import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/core/diagnose.ts';
import { failureHeadline } from '../../src/core/failure-headline.ts';

describe('failureHeadline', () => {
  it('uses a summary that says failed or cancelled as it is: no "Clone failed: Clone of … failed"', () => {
    const failed = diagnose({
      reason: 'task-failed',
      templateVmid: 112,
      taskExitStatus:
        "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
    });
    expect(failureHeadline(failed)).toBe(
      "Clone of template 112 failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
    );
    const cancelled = diagnose({
      reason: 'cancelled',
      newVmid: 106,
      taskExitStatus: 'interrupted by signal',
    });
    expect(failureHeadline(cancelled)).toBe(
      'Clone of VM 106 cancelled: Proxmox stopped the task (interrupted by signal)',
    );
  });

  it('prefixes a summary that only says why, by outcome', () => {
    expect(
      failureHeadline({
        reason: 'template-missing-disk',
        summary: 'Template 112 is missing boot disk - template may be corrupted',
      }),
    ).toBe('Clone failed: Template 112 is missing boot disk - template may be corrupted');
    expect(failureHeadline({ reason: 'cancelled', summary: 'Stopped by <@U1>' })).toBe(
      'Clone cancelled: Stopped by <@U1>',
    );
    // Proxmox's own words after the colon do not count as the headline saying it.
    expect(
      failureHeadline({
        reason: 'permission-denied',
        summary:
          'Proxmox denied the bot: Proxmox GET /nodes failed: 403 Permission check failed (/, Sys.Audit)',
      }),
    ).toMatch(/^Clone failed: Proxmox denied the bot: /);
  });
});
