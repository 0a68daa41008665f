import { afterEach, describe, expect, it } from 'vitest';
import type { SimMessage, SimView } from '../../src/sim/slack/index.ts';
import { APPROVERS_UNKNOWN } from '../../src/slack/decide-request.ts';
import { SLACK_IDS } from '../../src/slack/slack-ids.ts';
import { type ManualClock, manualClock } from '../requests/redis-fixture.ts';
import { type SlackAppHarness, startSlackAppHarness } from './slack-app-harness.ts';
import { waitFor } from './wait-for.ts';

const CH = 'C0CLONES';
let h: SlackAppHarness | undefined;
let clock: ManualClock;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(): Promise<SlackAppHarness> {
  clock = manualClock(Date.now());
  h = await startSlackAppHarness({ clock });
  return h;
}

/** Posts a request as `user`; the clock moves on so the store's newest-first order is certain. */
async function request(
  harness: SlackAppHarness,
  name: string,
  user = 'U0REQUESTER',
): Promise<{ parent: SimMessage; id: string }> {
  clock.advance(1000);
  const before = harness.sim.messages(CH).length;
  await harness.sim.slashCommand({ userId: user, channelId: CH, text: `112 as ${name} on pve1` });
  const parent = await harness.sim.waitUntil(() => harness.sim.messages(CH)[before]);
  const id = await waitFor(async () => {
    const [r] = await harness.store.listRecent(1);
    return r?.messageTs === parent.ts ? r.id : undefined;
  }, 'the request record');
  return { parent, id };
}

/** The user's Home tab once `probe` accepts its text (each publish replaces the view and its hash). */
function home(harness: SlackAppHarness, user: string, probe: (text: string) => boolean): Promise<SimView> {
  return harness.sim.waitUntil(() => {
    const view = harness.sim.views(user).find((v) => v.type === 'home');
    return view && probe(JSON.stringify(view.view)) ? view : undefined;
  });
}

const decide = (harness: SlackAppHarness, view: SimView, id: string, actionId: string, user = 'U0APPROVER') =>
  harness.sim.clickButton({ userId: user, viewId: view.id, actionId, blockId: `home-decision-${id}` });

describe('App Home through the real Bolt app', () => {
  it('shows each user their requests, and approvers the pending ones to approve and deny from there', async () => {
    const harness = await start();
    const a = await request(harness, 'web-a');
    const b = await request(harness, 'web-b');

    expect((await harness.sim.openAppHome('U0REQUESTER')).status).toBe(200);
    const mine = await home(harness, 'U0REQUESTER', (t) => t.includes(a.id) && t.includes(b.id));
    expect(JSON.stringify(mine.view)).not.toContain(SLACK_IDS.approve);
    expect(JSON.stringify(mine.view)).toContain('web-b on pve1');

    await harness.sim.openAppHome('U0APPROVER');
    const approverHome = await home(harness, 'U0APPROVER', (t) => t.includes('Waiting for a decision* (2)'));
    expect(JSON.stringify(approverHome.view)).toContain(`home-decision-${a.id}`);

    // Approve from the Home tab: no message was clicked, yet the request message is updated and the job queued.
    await decide(harness, approverHome, a.id, SLACK_IDS.approve);
    await waitFor(async () => (await harness.jobIds()).includes(a.id), 'the queued job');
    expect((await harness.store.get(a.id))?.decidedBy).toBe('U0APPROVER');
    const edited = await harness.sim.waitUntil(() => {
      const m = harness.sim.message(CH, a.parent.ts);
      return m && m.updates > 0 ? m : undefined;
    });
    expect(JSON.stringify(edited.blocks)).toContain('Approved* by <@U0APPROVER>');
    const afterApprove = await home(harness, 'U0APPROVER', (t) => t.includes('Waiting for a decision* (1)'));
    expect(JSON.stringify(afterApprove.view)).not.toContain(`home-decision-${a.id}`);

    // Deny from the Home tab: the reason form opens; its submission denies and answers in the tab.
    await decide(harness, afterApprove, b.id, SLACK_IDS.deny);
    const form = await harness.sim.waitUntil(() =>
      harness.sim.views('U0APPROVER').find((v) => v.type === 'modal'),
    );
    await harness.sim.submitView({
      userId: 'U0APPROVER',
      viewId: form.id,
      values: { [SLACK_IDS.denyReasonBlock]: { [SLACK_IDS.value]: 'use pve2' } },
    });
    await waitFor(async () => (await harness.store.get(b.id))?.status === 'denied', 'the denial');
    const denial = await harness.sim.waitUntil(() => harness.sim.thread(CH, b.parent.ts)[0]);
    expect(denial.text).toContain('denied by <@U0APPROVER>: use pve2');
    await home(harness, 'U0APPROVER', (t) => t.includes('Waiting for a decision* (0)'));
    // Everything was answered in the tab and the channel: nobody got an ephemeral.
    expect(harness.sim.ephemerals('U0APPROVER')).toEqual([]);
    expect(harness.sim.calls('views.publish').every((c) => c.result.ok === true)).toBe(true);
  });

  it("lists an approver's own request without Approve/Deny", async () => {
    const harness = await start();
    const own = await request(harness, 'web-own', 'U0APPROVER');
    const other = await request(harness, 'web-other');
    await harness.sim.openAppHome('U0APPROVER');
    const view = await home(harness, 'U0APPROVER', (t) => t.includes(`home-decision-${other.id}`));
    const text = JSON.stringify(view.view);
    expect(text).not.toContain(`home-decision-${own.id}`);
    expect(text).toContain('*Your request* for 112 → web-own on pve1');
    expect(text).toContain(`/clone cancel ${own.id}`);
  });

  it('a refused click in the Home tab is told at the top of the tab; nothing changes', async () => {
    const harness = await start();
    const gone = await request(harness, 'web-gone');
    const other = await request(harness, 'web-other');
    await harness.sim.openAppHome('U0APPROVER');
    const view = await home(harness, 'U0APPROVER', (t) => t.includes(`home-decision-${gone.id}`));
    // The tab is stale: the requester withdrew the request meanwhile.
    expect((await harness.store.cancel(gone.id, 'U0REQUESTER')).ok).toBe(true);
    await decide(harness, view, gone.id, SLACK_IDS.approve);
    await home(harness, 'U0APPROVER', (t) => t.includes('That request was cancelled by <@U0REQUESTER>'));
    expect((await harness.store.get(gone.id))?.status).toBe('cancelled');

    // Slack cannot list the approver group now (and the last list is over 60 s old): the click says so.
    const latest = await home(harness, 'U0APPROVER', (t) => t.includes(`home-decision-${other.id}`));
    clock.advance(61_000);
    harness.sim.injectFault('usergroups.users.list', { type: 'http', status: 500 }, 2);
    await decide(harness, latest, other.id, SLACK_IDS.deny);
    await home(harness, 'U0APPROVER', (t) => t.includes(APPROVERS_UNKNOWN.slice(0, 40)));
    expect((await harness.store.get(other.id))?.status).toBe('pending');
    expect(harness.sim.calls('chat.postEphemeral')).toEqual([]);
    expect(harness.sim.message(CH, other.parent.ts)?.updates).toBe(0);
  });

  it('ignores the Messages tab', async () => {
    const harness = await start();
    expect((await harness.sim.openAppHome('U0REQUESTER', 'messages')).status).toBe(200);
    await harness.sim.openAppHome('U0APPROVER');
    await home(harness, 'U0APPROVER', (t) => t.includes('Clone requests'));
    expect(harness.sim.calls('views.publish').map((c) => c.args.user_id)).toEqual(['U0APPROVER']);
  });
});
