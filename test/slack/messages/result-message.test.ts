import { describe, expect, it } from 'vitest';
import type { CloneFailure } from '../../../src/core/types.ts';
import { checkMessageBlocks } from '../../../src/sim/slack/block-limits.ts';
import {
  proxmoxVmUrl,
  renderFailureMessage,
  renderSuccessMessage,
} from '../../../src/slack/messages/result-message.ts';
import { sampleFailure, sampleRecord, sampleSuccess } from '../fixtures.ts';

const record = sampleRecord({ status: 'done' });
const ui = 'https://pve1.example.com:8006/';

describe('result messages', () => {
  it('links the VM in the Proxmox web UI', () => {
    expect(proxmoxVmUrl(ui, 200)).toBe('https://pve1.example.com:8006/#v1:0:=qemu%2F200:4:::::::');
  });

  it('success shows VMID, name, node, mode, storage, duration and the link', () => {
    const m = renderSuccessMessage(record, { ...sampleSuccess, warnings: 2 }, ui);
    expect(m).toMatchSnapshot();
    const text = JSON.stringify(m.blocks);
    for (const s of [
      '200',
      'test-clone',
      'pve1',
      'full clone',
      'local-lvm',
      '4m 12s',
      'qemu%2F200',
      '2 warnings',
    ]) {
      expect(text).toContain(s);
    }
    expect(checkMessageBlocks(m.blocks)).toEqual([]);
  });

  it('a VM made but not as asked (its start failed, or no owner record) is not headlined ready', () => {
    for (const vm of [
      { owned: true, start: 'failed' as const, startError: 'start failed: QEMU exited with code 1' },
      { owned: false, ownError: 'VM is locked (backup)' },
    ]) {
      const m = renderSuccessMessage(record, { ...sampleSuccess, vm }, ui);
      expect(m.text).toBe('VM 200 test-clone was cloned on pve1, but not as asked');
      const text = JSON.stringify(m.blocks);
      expect(text).toContain(':warning:');
      expect(text).toContain('was cloned, but not as asked');
      expect(text).not.toContain('is ready');
    }
    const ready = renderSuccessMessage(
      record,
      { ...sampleSuccess, vm: { owned: true, start: 'started' } },
      ui,
    );
    expect(ready.text).toBe('VM 200 test-clone is ready on pve1');
  });

  it('failure puts the why first, then advice, evidence and the VM left behind; redacts passwords', () => {
    const m = renderFailureMessage(record, sampleFailure(), ui);
    expect(m).toMatchSnapshot();
    const first = m.blocks[0];
    expect(first?.type === 'section' && first.text?.text).toContain("can't lock file");
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('What to do');
    expect(text).toContain('VM 200 was left behind on pve1');
    expect(text).toContain('TASK ERROR: clone failed');
    expect(text).toContain('cipassword: [redacted]');
    expect(text).not.toContain('hunter2');
    expect(checkMessageBlocks(m.blocks)).toEqual([]);
  });

  it('trims a huge task log and config into Slack limits, keeping the last lines', () => {
    const failure = sampleFailure(5000, 500);
    failure.diagnosis.summary = 's'.repeat(50_000);
    failure.diagnosis.advice = Array.from({ length: 100 }, () => 'a'.repeat(5000));
    failure.diagnosis.taskExitStatus = 'e'.repeat(50_000);
    failure.diagnosis.newVmConfig = Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [`net${i}`, 'v'.repeat(300)]),
    );
    const m = renderFailureMessage(record, failure, ui);
    expect(checkMessageBlocks(m.blocks)).toEqual([]);
    expect(m.text.length).toBeLessThanOrEqual(3000);
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('TASK ERROR: clone failed'); // the tail survives the trim
    expect(text).toMatch(/earlier lines omitted/);
  });

  it('says "cancelled" for a cancelled clone', () => {
    const f = sampleFailure();
    f.diagnosis = {
      reason: 'cancelled',
      summary: 'Clone cancelled by <@U0REQUESTER>: task stopped',
      advice: [],
    };
    const m = renderFailureMessage(record, f, ui);
    expect(m.text).toContain('cancelled');
    expect(JSON.stringify(m.blocks)).toContain('Clone cancelled');
  });

  it('uses a summary that already says "failed" as the headline, without a code for the reason', () => {
    const m = renderFailureMessage(record, sampleFailure(), ui);
    const first = m.blocks[0];
    const headline = first?.type === 'section' ? (first.text?.text ?? '') : '';
    expect(headline).toContain('*Clone of template 112 failed: can');
    expect(headline).not.toContain('Clone failed:');
    expect(m.text).not.toContain('Clone failed:');
    const text = JSON.stringify(m.blocks);
    expect(text).not.toContain('storage-lock-timeout');
    expect(text).not.toContain('*Reason*');
  });

  it("answers a person's own cancel in one line: who, what Proxmox did", () => {
    const f = sampleFailure();
    f.vmid = 106;
    f.upid = 'UPID:pve1:00001234:00005678:6650A0B0:qmclone:112:clonebot@pve!bot:';
    f.diagnosis = {
      reason: 'cancelled',
      summary: 'Clone of VM 106 cancelled: Proxmox stopped the task (interrupted by signal)',
      advice: ['Proxmox removed the partial VM: nothing to clean up'],
      taskExitStatus: 'interrupted by signal',
      taskLogTail: ['TASK ERROR: interrupted by signal'],
      newVmConfig: 'removed',
    };
    const cancelled = sampleRecord({ status: 'cancelled', cancelledBy: 'U0REQUESTER' });
    const m = renderFailureMessage(cancelled, f, ui);
    expect(m.blocks).toHaveLength(1);
    const first = m.blocks[0];
    expect(first?.type === 'section' && first.text?.text).toBe(
      ':heavy_multiplication_x: *Cancelled by <@U0REQUESTER>*: Proxmox stopped the task; VM 106 was removed',
    );
    expect(m.text).toContain('cancelled by <@U0REQUESTER>');

    // A VM left behind is still named, with its delete button.
    f.diagnosis = { ...f.diagnosis, newVmConfig: { name: 'x' }, leftover: { vmid: 106, node: 'pve1' } };
    const left = renderFailureMessage(cancelled, f, ui);
    expect(left.blocks.length).toBeGreaterThan(1);
    expect(JSON.stringify(left.blocks)).toContain('VM 106 was left behind on pve1');
    expect(JSON.stringify(left.blocks)).not.toContain('What to do');
    expect(checkMessageBlocks(left.blocks)).toEqual([]);
  });

  it('says a cancel before the clone started created nothing', () => {
    const f: CloneFailure = {
      ok: false,
      durationMs: 10,
      diagnosis: {
        reason: 'cancelled',
        summary: 'Clone cancelled before it started: nothing was created',
        advice: [],
      },
    };
    const m = renderFailureMessage(sampleRecord({ status: 'cancelled', cancelledBy: 'U0APPROVER' }), f, ui);
    expect(JSON.stringify(m.blocks)).toContain(
      '*Cancelled by <@U0APPROVER>*: before the clone started: nothing was created',
    );
  });
});
