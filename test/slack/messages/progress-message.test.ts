import { describe, expect, it } from 'vitest';
import { checkMessageBlocks } from '../../../src/sim/slack/block-limits.ts';
import { phaseLabel, renderProgressMessage } from '../../../src/slack/messages/progress-message.ts';
import { sampleFailure, sampleProgress, sampleRecord, sampleSuccess } from '../fixtures.ts';

const record = sampleRecord({ status: 'cloning' });

describe('renderProgressMessage', () => {
  it('shows phase, bar with percent, bytes, ETA, elapsed / timeout', () => {
    const m = renderProgressMessage(record, sampleProgress);
    expect(m).toMatchSnapshot();
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('Cloning disk scsi0 (1/1)');
    expect(text).toContain('42%');
    expect(text).toContain('13.7 GiB of 32.0 GiB');
    expect(text).toContain('ETA 2m 07s');
    expect(text).toContain('Elapsed 1m 35s / timeout 15m 00s');
  });

  it('names each phase', () => {
    expect(phaseLabel({ ...sampleProgress, phase: 'verifying-template' })).toBe('Verifying template');
    expect(phaseLabel({ ...sampleProgress, phase: 'finishing' })).toBe('Finishing');
    expect(phaseLabel({ phase: 'cloning', elapsedMs: 0, timeoutMs: 1, message: '' })).toBe('Cloning');
  });

  it('shows a storage lock timeout as waiting to retry, with the attempt and when, and no VMID', () => {
    const at = Date.UTC(2026, 11, 6, 19, 42, 0);
    const m = renderProgressMessage(record, {
      ...sampleProgress,
      phase: 'waiting-to-retry',
      newVmid: 200,
      retry: {
        attempt: 2,
        of: 4,
        at,
        inMs: 30_000,
        why: 'Proxmox timed out waiting for the lock of storage local-lvm',
      },
    });
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('*Waiting to retry (attempt 2 of 4)*');
    expect(text).toContain('lock of storage local-lvm. Trying again in 30s (<!date^');
    expect(text).toContain('|19:42 UTC>');
    expect(text).not.toContain('VM 200');
    expect(text).not.toContain('░');
    expect(m.text).toBe('Clone of test-clone: Waiting to retry (attempt 2 of 4)');
    expect(checkMessageBlocks(m.blocks)).toEqual([]);
  });

  it('omits the bar when Proxmox logged no percent', () => {
    const m = renderProgressMessage(record, {
      phase: 'starting',
      elapsedMs: 1000,
      timeoutMs: 900_000,
      message: '',
    });
    expect(JSON.stringify(m.blocks)).not.toContain('░');
  });

  it('has a starting state and final states', () => {
    expect(renderProgressMessage(record, undefined)).toMatchSnapshot('starting');
    expect(renderProgressMessage(record, sampleProgress, sampleSuccess)).toMatchSnapshot('finished');
    const failed = renderProgressMessage(record, sampleProgress, sampleFailure(2000, 2000));
    expect(failed).toMatchSnapshot('failed');
    expect(checkMessageBlocks(failed.blocks)).toEqual([]);
  });
});
