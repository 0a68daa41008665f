import { afterEach, describe, expect, it } from 'vitest';
import type { SimMessage } from '../../src/sim/slack/index.ts';
import { APPROVERS_UNKNOWN } from '../../src/slack/decide-request.ts';
import { manualClock } from '../requests/redis-fixture.ts';
import { type SlackAppHarness, startSlackAppHarness } from './slack-app-harness.ts';
import { waitFor } from './wait-for.ts';

const CH = 'C0CLONES';
let h: SlackAppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Posts a request as the requester and returns the request message and the record's id. */
async function request(harness: SlackAppHarness, name: string): Promise<{ parent: SimMessage; id: string }> {
  const before = harness.sim.messages(CH).length;
  await harness.sim.slashCommand({ userId: 'U0REQUESTER', channelId: CH, text: `112 as ${name} on pve1` });
  const parent = await harness.sim.waitUntil(() => harness.sim.messages(CH)[before]);
  const id = await waitFor(async () => {
    const [r] = await harness.store.listRecent(1);
    return r?.messageTs === parent.ts ? r.id : undefined;
  }, 'the request record');
  return { parent, id };
}

const click = (harness: SlackAppHarness, parent: SimMessage, buttonText: 'Approve' | 'Deny') =>
  harness.sim.clickButton({ userId: 'U0APPROVER', channelId: CH, messageTs: parent.ts, buttonText });

describe('approver group membership', () => {
  it('is asked of Slack on every click: someone just removed from the group can no longer approve', async () => {
    h = await startSlackAppHarness();
    const harness = h;
    const a = await request(harness, 'web-a');
    const b = await request(harness, 'web-b');
    await click(harness, a.parent, 'Approve');
    await waitFor(async () => (await harness.store.get(a.id))?.status === 'approved', 'the first approval');

    harness.sim.setUsergroup('S0APPROVERS', []);
    await click(harness, b.parent, 'Approve');
    const told = await harness.sim.waitUntil(() => harness.sim.ephemerals('U0APPROVER')[0]);
    expect(told.text).toContain('Only approvers can approve');
    expect((await harness.store.get(b.id))?.status).toBe('pending');
    expect(harness.sim.calls('usergroups.users.list')).toHaveLength(2);
  });

  it('a lookup Slack cannot answer (no cached list) leaves Deny and cancel undone and says so', async () => {
    h = await startSlackAppHarness();
    const harness = h;
    const a = await request(harness, 'web-a');
    harness.sim.injectFault('usergroups.users.list', { type: 'http', status: 500 }, 2);
    await click(harness, a.parent, 'Deny');
    const told = await harness.sim.waitUntil(() => harness.sim.ephemerals('U0APPROVER')[0]);
    expect(told.text).toBe(APPROVERS_UNKNOWN);
    expect(harness.sim.views('U0APPROVER')).toEqual([]);
    harness.sim.injectFault('usergroups.users.list', { type: 'http', status: 500 }, 2);
    await harness.sim.slashCommand({ userId: 'U0APPROVER', channelId: CH, text: `cancel ${a.id}` });
    const second = await harness.sim.waitUntil(() => harness.sim.ephemerals('U0APPROVER')[1]);
    expect(second.text).toContain("I couldn't check the approver group");
    expect((await harness.store.get(a.id))?.status).toBe('pending');
    // Slack answers again: the same click goes through.
    await click(harness, a.parent, 'Deny');
    await harness.sim.waitUntil(() => harness.sim.views('U0APPROVER')[0]);
  });

  it('a 429 on the lookup stalls nothing: a list younger than 60 s is used, with an older one nothing changes', async () => {
    const clock = manualClock(Date.now());
    h = await startSlackAppHarness({ clock });
    const harness = h;
    // Distinct creation times keep listRecent's order (the manual clock does not move by itself).
    const a = await request(harness, 'web-a');
    clock.advance(1000);
    const b = await request(harness, 'web-b');
    clock.advance(1000);
    const c = await request(harness, 'web-c');
    // A Deny click looks the group up (and opens the reason form): the list is now cached.
    await click(harness, a.parent, 'Deny');
    await harness.sim.waitUntil(() => harness.sim.views('U0APPROVER')[0]);

    // Slack rate-limits the next lookup for 30 s: on the bot's main client this would pause every call.
    harness.sim.injectFault('usergroups.users.list', { type: 'ratelimited', retryAfterSeconds: 30 });
    await click(harness, b.parent, 'Approve');
    await waitFor(async () => (await harness.jobIds()).includes(b.id), 'the approval on the cached list');
    expect((await harness.store.get(b.id))?.decidedBy).toBe('U0APPROVER');
    const edited = await harness.sim.waitUntil(() => {
      const m = harness.sim.message(CH, b.parent.ts);
      return m && m.updates > 0 ? m : undefined;
    });
    expect(JSON.stringify(edited.blocks)).toContain('Approved* by <@U0APPROVER>');
    // The main client is not paused: a new request is posted at once.
    clock.advance(1000);
    await request(harness, 'web-d');

    clock.advance(61_000);
    harness.sim.injectFault('usergroups.users.list', { type: 'ratelimited', retryAfterSeconds: 30 });
    await click(harness, c.parent, 'Approve');
    const told = await harness.sim.waitUntil(() => harness.sim.ephemerals('U0APPROVER')[0]);
    // Not "only approvers can…": the clicker may well be one, Slack just could not say.
    expect(told.text).toBe(APPROVERS_UNKNOWN);
    expect(told.text).toContain(
      "I couldn't check the approver group with Slack just now; try again in a minute",
    );
    expect(told.threadTs).toBe(c.parent.ts);
    expect((await harness.store.get(c.id))?.status).toBe('pending');
    expect(harness.sim.message(CH, c.parent.ts)?.updates).toBe(0);
    // One lookup per click, each tried once (no retries of a 429).
    expect(harness.sim.calls('usergroups.users.list')).toHaveLength(3);
  });
});
