import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../requests/redis-fixture.ts';
import { type SlackAppHarness, startSlackAppHarness } from './slack-app-harness.ts';
import { waitFor } from './wait-for.ts';

const CH = 'C0CLONES';
let h: SlackAppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('approving a request', () => {
  it('queues the job before editing the message, so a slow or rate-limited edit cannot strand it', async () => {
    // Simulated time: the edit of the request message hangs for ten simulated minutes (Slack answering 429
    // with long Retry-Afters would look the same to the bot). A restart in that window must find the job queued.
    const clock = manualClock();
    h = await startSlackAppHarness({ clock });
    const harness = h;
    await harness.sim.slashCommand({ userId: 'U0REQUESTER', channelId: CH, text: '112 as web-q on pve1' });
    const parent = await harness.sim.waitUntil(() => harness.sim.messages(CH)[0]);
    const id = await waitFor(async () => (await harness.store.listRecent(1))[0]?.id, 'the request');
    harness.sim.injectFault('chat.update', { type: 'latency', ms: 10 * 60_000 });

    await harness.sim.clickButton({
      userId: 'U0BOSS',
      channelId: CH,
      messageTs: parent.ts,
      buttonText: 'Approve',
    });
    await waitFor(async () => (await harness.jobIds()).includes(id), 'the job');
    expect((await harness.store.get(id))?.status).toBe('approved');
    // The edit is still waiting on Slack: the message shows the buttons yet.
    expect(harness.sim.message(CH, parent.ts)?.updates).toBe(0);

    clock.advance(10 * 60_000);
    const edited = await harness.sim.waitUntil(() => {
      const m = harness.sim.message(CH, parent.ts);
      return m && m.updates >= 1 ? m : undefined;
    });
    expect(JSON.stringify(edited.blocks)).not.toContain('clone_approve');
  });
});
