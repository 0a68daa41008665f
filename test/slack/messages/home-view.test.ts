import type { ActionsBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { checkView } from '../../../src/sim/slack/block-limits.ts';
import { renderHomeView } from '../../../src/slack/messages/home-view.ts';
import { SLACK_IDS } from '../../../src/slack/slack-ids.ts';
import { sampleFailure, sampleRecord, sampleSuccess, T0 } from '../fixtures.ts';

const mine = [
  sampleRecord({ id: 'cr-aaaa2222', status: 'pending' }),
  sampleRecord({ id: 'cr-bbbb3333', status: 'done', result: sampleSuccess, createdAt: T0 - 3_600_000 }),
  sampleRecord({ id: 'cr-cccc4444', status: 'failed', result: sampleFailure(), createdAt: T0 - 7_200_000 }),
];
const waiting = [
  sampleRecord({ id: 'cr-dddd5555', requester: { userId: 'U0OTHER' }, text: 'x' }),
  sampleRecord({
    id: 'cr-eeee6666',
    requester: { userId: 'U0THIRD' },
    request: { template: { kind: 'name', name: 'ubuntu-<24>' }, name: 'db-1', node: 'pve2', mode: 'linked' },
  }),
];

const isActions = (b: { type: string }): b is ActionsBlock => b.type === 'actions';
/** `action_id:value` of every button, in order. */
const buttons = (view: ReturnType<typeof renderHomeView>) =>
  view.blocks
    .filter(isActions)
    .flatMap((b) => b.elements.map((e) => `${e.action_id ?? ''}:${'value' in e ? e.value : ''}`));

describe('renderHomeView', () => {
  it('shows an approver their recent requests and the pending ones with Approve/Deny by request id', () => {
    const view = renderHomeView({ recent: mine, pending: waiting, now: T0 });
    expect(view).toMatchSnapshot();
    expect(view.type).toBe('home');
    expect(checkView(view)).toEqual([]);
    expect(buttons(view)).toEqual([
      `${SLACK_IDS.approve}:cr-dddd5555`,
      `${SLACK_IDS.deny}:cr-dddd5555`,
      `${SLACK_IDS.approve}:cr-eeee6666`,
      `${SLACK_IDS.deny}:cr-eeee6666`,
    ]);
    const text = JSON.stringify(view);
    expect(text).toContain('Done · VM 200 · 112 → test-clone on pve1');
    expect(text).toContain('Waiting for a decision* (2)');
    // Template names are escaped: they cannot mention or link.
    expect(text).toContain('ubuntu-&lt;24&gt; → db-1 on pve2');
  });

  it('shows no decisions to a non-approver, and says so when Slack could not tell', () => {
    const plain = renderHomeView({ recent: [], now: T0 });
    expect(plain).toMatchSnapshot();
    expect(buttons(plain)).toEqual([]);
    expect(JSON.stringify(plain)).toContain('None yet');
    const unknown = renderHomeView({
      recent: mine,
      approverUnknown: true,
      notice: 'Approved `cr-x`.',
      now: T0,
    });
    expect(buttons(unknown)).toEqual([]);
    expect(JSON.stringify(unknown)).toContain("I couldn't check the approver group with Slack just now");
    expect(JSON.stringify(unknown.blocks[1])).toContain('Approved `cr-x`.');
  });

  it('stays within 100 blocks however many requests wait, and counts the ones left out', () => {
    const many = Array.from({ length: 300 }, (_, i) =>
      sampleRecord({ id: `cr-${String(i).padStart(8, 'a')}`, requester: { userId: 'U0OTHER' } }),
    );
    const recent = Array.from({ length: 50 }, () => sampleRecord({ status: 'done', result: sampleSuccess }));
    const view = renderHomeView({ recent, pending: many, notice: 'x'.repeat(5000), now: T0 });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(checkView(view)).toEqual([]);
    const shown = buttons(view).length / 2;
    expect(shown).toBeGreaterThan(30);
    expect(JSON.stringify(view.blocks.at(-2))).toContain(`and ${300 - shown} more`);
  });
});
