import { afterEach, describe, expect, it } from 'vitest';
import type { SimMessage } from '../../src/sim/slack/index.ts';
import { manualClock } from '../requests/redis-fixture.ts';
import { type SlackAppHarness, startSlackAppHarness } from './slack-app-harness.ts';
import { waitFor } from './wait-for.ts';

const CH = 'C0CLONES';
let h: SlackAppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Posts a request as `user` and returns the request message and the record's id. */
async function request(
  harness: SlackAppHarness,
  user = 'U0REQUESTER',
): Promise<{ parent: SimMessage; id: string }> {
  const before = harness.sim.messages(CH).length;
  await harness.sim.slashCommand({ userId: user, channelId: CH, text: '112 as web-1 on pve1' });
  const parent = await harness.sim.waitUntil(() => harness.sim.messages(CH)[before]);
  const id = await waitFor(async () => {
    const [r] = await harness.store.listRecent(1);
    return r?.messageTs === parent.ts ? r.id : undefined;
  }, 'the request record');
  return { parent, id };
}

const click = (
  harness: SlackAppHarness,
  userId: string,
  parent: SimMessage,
  buttonText: 'Approve' | 'Deny',
) => harness.sim.clickButton({ userId, channelId: CH, messageTs: parent.ts, buttonText });

/** Waits for the next ephemeral `user` sees and returns its text. */
async function nextEphemeral(harness: SlackAppHarness, user: string, before: number): Promise<string> {
  const e = await harness.sim.waitUntil(() => harness.sim.ephemerals(user)[before]);
  return e.text;
}

describe('approvals', () => {
  it('an approver (via a user group) approves: queued with job id = request id, message updated, buttons gone', async () => {
    h = await startSlackAppHarness();
    const { parent, id } = await request(h);
    const res = await click(h, 'U0APPROVER', parent, 'Approve');
    expect(res.status).toBe(200);
    await waitFor(async () => (await h?.jobIds())?.includes(id), 'the job');
    const record = await h.store.get(id);
    expect(record?.status).toBe('approved');
    expect(record?.decidedBy).toBe('U0APPROVER');
    const edited = await h.sim.waitUntil(() => {
      const m = h?.sim.message(CH, parent.ts);
      return m && m.updates > 0 ? m : undefined;
    });
    expect(JSON.stringify(edited.blocks)).toContain('Approved* by <@U0APPROVER>');
    expect(JSON.stringify(edited.blocks)).not.toContain('clone_approve');
    expect(h.sim.calls('usergroups.users.list')).toHaveLength(1);
  });

  it('a non-approver’s click changes nothing and only they are told why', async () => {
    h = await startSlackAppHarness();
    const { parent, id } = await request(h);
    await click(h, 'U0STRANGER', parent, 'Approve');
    expect(await nextEphemeral(h, 'U0STRANGER', 0)).toContain('Only approvers can approve');
    await click(h, 'U0STRANGER', parent, 'Deny');
    expect(await nextEphemeral(h, 'U0STRANGER', 1)).toContain('Only approvers can deny');
    expect((await h.store.get(id))?.status).toBe('pending');
    expect(await h.jobIds()).toEqual([]);
    expect(h.sim.views('U0STRANGER')).toEqual([]);
  });

  it('self-approval is refused unless CLONE_ALLOW_SELF_APPROVAL', async () => {
    h = await startSlackAppHarness();
    const { parent, id } = await request(h, 'U0BOSS');
    await click(h, 'U0BOSS', parent, 'Approve');
    // Its one ephemeral so far: the answer to /clone (replacing "Checking…"); the refusal comes next.
    expect(await nextEphemeral(h, 'U0BOSS', 1)).toContain('cannot approve your own request');
    expect((await h.store.get(id))?.status).toBe('pending');
    await h.close();

    h = await startSlackAppHarness({ env: { CLONE_ALLOW_SELF_APPROVAL: 'true' } });
    const second = await request(h, 'U0BOSS');
    await click(h, 'U0BOSS', second.parent, 'Approve');
    await waitFor(async () => (await h?.store.get(second.id))?.status === 'approved', 'the approval');
  });

  it('two approvers clicking at once: one approval, one job, the other told it was already approved', async () => {
    h = await startSlackAppHarness();
    const { parent, id } = await request(h);
    await Promise.all([click(h, 'U0APPROVER', parent, 'Approve'), click(h, 'U0BOSS', parent, 'Approve')]);
    const loser = await h.sim.waitUntil(() => {
      const a = h?.sim.ephemerals('U0APPROVER').at(0);
      const b = h?.sim.ephemerals('U0BOSS').at(0);
      return a ?? b;
    });
    expect(loser.text).toContain('already approved');
    const record = await h.store.get(id);
    expect(record?.status).toBe('approved');
    expect(loser.user).not.toBe(record?.decidedBy);
    await waitFor(async () => (await h?.jobIds())?.includes(id), 'the job');
    expect(await h.jobIds()).toEqual([id]);
  });

  it('Deny opens a form; the reason lands in the message and a thread reply tells the requester', async () => {
    h = await startSlackAppHarness();
    const { parent, id } = await request(h);
    await click(h, 'U0APPROVER', parent, 'Deny');
    const view = await h.sim.waitUntil(() => h?.sim.views('U0APPROVER')[0]);
    expect(view.view.callback_id).toBe('clone_deny_modal');
    const res = await h.sim.submitView({
      userId: 'U0APPROVER',
      viewId: view.id,
      values: { reason: { value: 'use pve2 <for> this' } },
    });
    expect(res.status).toBe(200);
    const reply = await h.sim.waitUntil(() => h?.sim.thread(CH, parent.ts)[0]);
    expect(reply.text).toContain(
      '<@U0REQUESTER> your request was denied by <@U0APPROVER>: use pve2 &lt;for&gt; this',
    );
    const record = await h.store.get(id);
    expect(record).toMatchObject({
      status: 'denied',
      decidedBy: 'U0APPROVER',
      denyReason: 'use pve2 <for> this',
    });
    expect(JSON.stringify(h.sim.message(CH, parent.ts)?.blocks)).toContain('Denied* by <@U0APPROVER>');
    expect(JSON.stringify(h.sim.message(CH, parent.ts)?.blocks)).not.toContain('clone_approve');
    expect(await h.jobIds()).toEqual([]);
  });

  it('a click after the approval TTL finds the request expired: nothing queued, the clicker told, message updated', async () => {
    const clock = manualClock(Date.now());
    h = await startSlackAppHarness({ clock, env: { CLONE_APPROVAL_TTL_MINUTES: '1' } });
    const { parent, id } = await request(h);
    clock.advance(61_000);
    await click(h, 'U0APPROVER', parent, 'Approve');
    expect(await nextEphemeral(h, 'U0APPROVER', 0)).toContain('expired');
    expect((await h.store.get(id))?.status).toBe('expired');
    expect(await h.jobIds()).toEqual([]);
    const edited = await h.sim.waitUntil(() => {
      const m = h?.sim.message(CH, parent.ts);
      return m && m.updates > 0 ? m : undefined;
    });
    expect(JSON.stringify(edited.blocks)).toContain('Expired');
  });
});
