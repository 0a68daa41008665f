import { describe, expect, it } from 'vitest';
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
});
