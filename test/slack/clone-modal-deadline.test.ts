import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../requests/redis-fixture.ts';
import { type SlackAppHarness, startSlackAppHarness } from './slack-app-harness.ts';
import { waitFor } from './wait-for.ts';

const CH = 'C0CLONES';
const U = 'U0REQUESTER';
let h: SlackAppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the /clone form submitted while the requester-group lookup hangs', () => {
  it('is acked within Slack’s 3 s (the deadline counts from the submission), then answered once the lookup returns', async () => {
    const clock = manualClock(Date.now());
    h = await startSlackAppHarness({ clock, env: { CLONE_REQUESTERS: 'S0DEVS' } });
    const harness = h;
    harness.sim.setUsergroup('S0DEVS', [U]);
    await harness.sim.slashCommand({ userId: U, channelId: CH, text: '' });
    const withNodes = await harness.sim.waitUntil(() =>
      harness.sim.views(U).find((v) => JSON.stringify(v.view.blocks).includes('clone_modal_node')),
    );
    await harness.sim.selectOption({
      userId: U,
      viewId: withNodes.id,
      actionId: 'clone_modal_node',
      value: 'pve1',
      values: { node: { clone_modal_node: 'pve1' } },
    });
    const form = await harness.sim.waitUntil(() =>
      harness.sim.views(U).find((v) => JSON.stringify(v.view.blocks).includes('"block_id":"name"')),
    );

    // The cached membership is stale now; Slack's answer to the new lookup waits until the clock moves on.
    clock.advance(6 * 60_000);
    harness.sim.injectFault('usergroups.users.list', { type: 'latency', ms: 60_000 });
    const res = await harness.sim.submitView({
      userId: U,
      viewId: form.id,
      values: { template: { value: '112' }, name: { value: 'web-late' } },
    });
    // Awaiting the lookup before starting a 2 s preflight limit would miss the 3 s: Bolt answers 404.
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(harness.sim.views(U)).toEqual([]);

    clock.advance(60_000);
    const parent = await harness.sim.waitUntil(() => harness.sim.messages(CH)[0]);
    expect(JSON.stringify(parent.blocks)).toContain('web-late');
    const record = await waitFor(async () => (await harness.store.listRecent(1))[0], 'the record');
    expect(record.status).toBe('pending');
    const told = await harness.sim.waitUntil(() => harness.sim.ephemerals(U).at(-1));
    expect(told.text).toContain('posted and waits for an approver');
  });
});
