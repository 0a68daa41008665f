import { describe, expect, it } from 'vitest';
import { checkMessageBlocks } from '../../../src/sim/slack/block-limits.ts';
import { renderRequestMessage, requestStatusLine } from '../../../src/slack/messages/request-message.ts';
import { SLACK_IDS } from '../../../src/slack/slack-ids.ts';
import { sampleFailure, sampleRecord, sampleSuccess, T0 } from '../fixtures.ts';

describe('renderRequestMessage', () => {
  it('shows who, what and Approve/Deny buttons carrying only the request id while pending', () => {
    const m = renderRequestMessage(sampleRecord());
    expect(m).toMatchSnapshot();
    const actions = m.blocks.find((b) => b.type === 'actions');
    expect(
      actions?.type === 'actions' && actions.elements.map((e) => ('value' in e ? e.value : undefined)),
    ).toEqual(['cr-abcd2345', 'cr-abcd2345']);
    const texts = JSON.stringify(actions);
    expect(texts).toContain('Approve');
    expect(texts).toContain('Deny');
    expect(texts).toContain(SLACK_IDS.approve);
    expect(checkMessageBlocks(m.blocks)).toEqual([]);
  });

  it('drops the buttons once decided and names the decider', () => {
    const m = renderRequestMessage(
      sampleRecord({ status: 'approved', decidedBy: 'U0APPROVER', decidedAt: T0 }),
    );
    expect(m.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(m.blocks)).toContain('Approved* by <@U0APPROVER>');
  });

  it.each([
    ['cloning', {}],
    ['done', { result: sampleSuccess, decidedBy: 'U0APPROVER' }],
    ['failed', { result: sampleFailure() }],
    ['denied', { decidedBy: 'U0APPROVER', denyReason: 'use <pve2> & not pve1' }],
    ['cancelled', { cancelledBy: 'U0REQUESTER' }],
    ['expired', {}],
  ] as const)('has a status line for %s', (status, patch) => {
    const line = requestStatusLine(sampleRecord({ status, ...patch }));
    expect(line).toMatchSnapshot();
  });

  it('says when a cancel came too late to stop a clone that then finished', () => {
    const done = sampleRecord({
      status: 'done',
      result: sampleSuccess,
      decidedBy: 'U0APPROVER',
      cancelledBy: 'U0REQUESTER',
    });
    const line = requestStatusLine(done);
    expect(line).toMatchSnapshot();
    expect(line).toContain(
      '*Done*: VM 200 on pve1 (approved by <@U0APPROVER>) — cancel by <@U0REQUESTER> came too late',
    );
    const failed = requestStatusLine(
      sampleRecord({ status: 'failed', result: sampleFailure(), cancelledBy: 'U0BOSS' }),
    );
    expect(failed).toContain('cancel by <@U0BOSS> came too late · details in the thread');
    // A done request nobody cancelled says nothing of it.
    const { cancelledBy: _, ...uncancelled } = done;
    expect(requestStatusLine(uncancelled)).not.toContain('too late');
    expect(checkMessageBlocks(renderRequestMessage(done).blocks)).toEqual([]);
  });

  it('escapes a deny reason so it cannot mention or link', () => {
    const line = requestStatusLine(
      sampleRecord({ status: 'denied', decidedBy: 'U1', denyReason: '<!channel> <http://x|y>' }),
    );
    expect(line).not.toContain('<!channel>');
    expect(line).toContain('&lt;!channel&gt;');
  });

  it('stays within limits for the longest names and a huge deny reason', () => {
    const long = 'a'.repeat(63);
    const m = renderRequestMessage(
      sampleRecord({
        status: 'denied',
        decidedBy: 'U1',
        denyReason: 'x'.repeat(10_000),
        request: {
          template: { kind: 'name', name: `${long}.${long}.${long}` },
          name: `${long}.${long}.${long}.${long.slice(0, 61)}`,
          node: long,
          mode: 'linked',
          storage: long,
          pool: long,
          target: long,
          vmid: 999_999_999,
        },
      }),
    );
    expect(checkMessageBlocks(m.blocks)).toEqual([]);
    expect(m.text.length).toBeLessThan(40_000);
  });
});
