import { describe, expect, it } from 'vitest';
import type { LeftoverDeletion } from '../../../src/clone/delete-leftover-vm.ts';
import { checkMessageBlocks } from '../../../src/sim/slack/block-limits.ts';
import { renderLeftoverDeletion } from '../../../src/slack/messages/leftover-vm-message.ts';
import { renderFailureMessage } from '../../../src/slack/messages/result-message.ts';
import { SLACK_IDS } from '../../../src/slack/slack-ids.ts';
import { sampleFailure, sampleRecord } from '../fixtures.ts';

const ui = 'https://pve1.example.com:8006';
const buttons = (blocks: unknown[]) =>
  blocks.flatMap((b) => {
    const block = b as { type: string; elements?: { action_id?: string }[] };
    return block.type === 'actions' ? (block.elements ?? []) : [];
  });

describe('the leftover VM in the failure reply', () => {
  it('offers a danger "Delete VM 200" button with a confirm dialog whose value is the request id only', () => {
    const record = sampleRecord({ status: 'failed' });
    const m = renderFailureMessage(record, sampleFailure(), ui);
    const [button, ...others] = buttons(m.blocks);
    expect(others).toEqual([]);
    expect(button).toMatchObject({
      type: 'button',
      action_id: SLACK_IDS.deleteVm,
      style: 'danger',
      value: record.id,
      text: { type: 'plain_text', text: 'Delete VM 200' },
      confirm: { title: { text: 'Delete VM 200?' }, confirm: { text: 'Delete' }, style: 'danger' },
    });
    expect(JSON.stringify(button)).toContain('test-clone');
    expect(checkMessageBlocks(m.blocks)).toEqual([]);
  });

  it('no button when Proxmox removed the failed clone (no leftover)', () => {
    const failure = sampleFailure();
    delete failure.diagnosis.leftover;
    failure.diagnosis.newVmConfig = 'removed';
    const m = renderFailureMessage(sampleRecord({ status: 'failed' }), failure, ui);
    expect(buttons(m.blocks)).toEqual([]);
    expect(JSON.stringify(m.blocks)).not.toContain('left behind');
  });

  it('once deleted, says who deleted it instead of offering the button', () => {
    const record = sampleRecord({
      status: 'failed',
      leftoverDeleted: { vmid: 200, node: 'pve1', by: 'U0BOSS', at: Date.UTC(2025, 0, 2) },
    });
    const m = renderFailureMessage(record, sampleFailure(), ui);
    expect(buttons(m.blocks)).toEqual([]);
    expect(JSON.stringify(m.blocks)).toContain('was deleted by <@U0BOSS>');
  });
});

describe('deletion outcomes', () => {
  const vm = { vmid: 200, node: 'pve1', name: 'test-clone', by: 'U0BOSS' };
  const say = (o: LeftoverDeletion) => renderLeftoverDeletion(o, vm);

  it('a lock held by a running clone task: refused, never broken', () => {
    const n = say({ kind: 'locked', lock: 'clone', holder: 'running-clone' });
    expect(n.audience).toBe('clicker');
    expect(n.text).toContain('VM 200 is still locked (clone) by a running task');
    expect(n.text).toContain('never break a Proxmox lock');
    expect(n.text).toContain('Datacenter → Tasks');
  });

  it('a stale clone stub: refused with the manual steps on the node', () => {
    const n = say({ kind: 'locked', lock: 'clone', holder: 'dead-clone', exitstatus: 'unexpected status' });
    expect(n.audience).toBe('clicker');
    expect(n.text).toContain('on pve1 run `qm unlock 200` and then `qm destroy 200`');
    expect(n.text).toContain('unexpected status');
  });

  it('templates, other names, other locks, a finishing clone and a gone VM are refused to the clicker', () => {
    expect(say({ kind: 'template' }).text).toContain('never delete templates');
    expect(say({ kind: 'name-mismatch', actual: 'prod-db' }).text).toContain(
      'named `prod-db`, not `test-clone`',
    );
    expect(say({ kind: 'name-mismatch' }).text).toContain('unnamed');
    expect(say({ kind: 'locked', lock: 'backup', holder: 'other' }).text).toContain('locked (backup)');
    expect(say({ kind: 'clone-running', upid: 'UPID:x' }).text).toContain('still running');
    expect(say({ kind: 'gone' }).text).toContain('already gone');
    for (const o of [{ kind: 'template' }, { kind: 'gone' }] as const)
      expect(say(o).audience).toBe('clicker');
  });

  it('deleted and Proxmox errors go to the thread', () => {
    const done = say({ kind: 'deleted', upid: 'UPID:pve1:1:2:3:qmdestroy:200:bot@pve!slack:' });
    expect(done).toMatchObject({ audience: 'thread' });
    expect(done.text).toContain('<@U0BOSS> deleted VM 200 (`test-clone`) on pve1');
    const failed = say({ kind: 'failed', message: 'VM 200 is running - destroy failed' });
    expect(failed.audience).toBe('thread');
    expect(failed.text).toContain('Proxmox said: VM 200 is running - destroy failed');
  });
});
