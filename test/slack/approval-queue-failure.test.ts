import { afterEach, describe, expect, it } from 'vitest';
import type { CloneQueue } from '../../src/jobs/types.ts';
import { type SlackAppHarness, startSlackAppHarness } from './slack-app-harness.ts';
import { waitFor } from './wait-for.ts';

const CH = 'C0CLONES';
let h: SlackAppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The real queue, but the next `failures` enqueues throw as a Redis outage would. */
function failingQueue(failures: number) {
  let left = failures;
  let calls = 0;
  const wrap = (real: CloneQueue): CloneQueue => ({
    ...real,
    async enqueue(id) {
      calls++;
      if (left > 0) {
        left--;
        throw new Error('Connection is closed.');
      }
      await real.enqueue(id);
    },
  });
  return { wrap, calls: () => calls };
}

describe('an approval whose job cannot be queued', () => {
  it('is rolled back to pending with its buttons, the clicker is told to click again, and a second click queues it', async () => {
    const queue = failingQueue(1);
    h = await startSlackAppHarness({ wrapQueue: queue.wrap });
    const harness = h;
    await harness.sim.slashCommand({ userId: 'U0REQUESTER', channelId: CH, text: '112 as web-q on pve1' });
    const parent = await harness.sim.waitUntil(() => harness.sim.messages(CH)[0]);
    const id = await waitFor(async () => (await harness.store.listRecent(1))[0]?.id, 'the request');

    await harness.sim.clickButton({
      userId: 'U0BOSS',
      channelId: CH,
      messageTs: parent.ts,
      buttonText: 'Approve',
    });
    const told = await harness.sim.waitUntil(() => harness.sim.ephemerals('U0BOSS')[0]);
    expect(told.text).toContain('could not queue the clone');
    expect(told.text).toContain('click *Approve* again');
    expect(queue.calls()).toBe(1);
    expect((await harness.store.get(id))?.status).toBe('pending');
    expect(await harness.jobIds()).toEqual([]);
    // The job is queued before the message is edited, so a refused enqueue never took the buttons off.
    const untouched = harness.sim.message(CH, parent.ts);
    expect(untouched?.updates).toBe(0);
    expect(JSON.stringify(untouched?.blocks)).toContain('clone_approve');
    expect(JSON.stringify(untouched?.blocks)).toContain('clone_deny');

    await harness.sim.clickButton({
      userId: 'U0BOSS',
      channelId: CH,
      messageTs: parent.ts,
      buttonText: 'Approve',
    });
    await waitFor(async () => (await harness.jobIds()).includes(id), 'the job');
    expect((await harness.store.get(id))?.status).toBe('approved');
    expect(harness.sim.ephemerals('U0BOSS')).toHaveLength(1);
    await harness.sim.waitUntil(() => {
      const m = harness.sim.message(CH, parent.ts);
      return m && m.updates >= 1 && !JSON.stringify(m.blocks).includes('clone_approve') ? m : undefined;
    });
  });
});

describe('a request without approval whose job cannot be queued', () => {
  it('is marked failed (not left approved without a job), its message and thread say so, the requester is told to retry', async () => {
    const queue = failingQueue(1);
    h = await startSlackAppHarness({ wrapQueue: queue.wrap, env: { CLONE_REQUIRE_APPROVAL: 'false' } });
    const harness = h;
    await harness.sim.slashCommand({ userId: 'U0REQUESTER', channelId: CH, text: '112 as web-nq on pve1' });
    const told = await harness.sim.waitUntil(() =>
      harness.sim.ephemerals('U0REQUESTER').find((e) => e.source === 'response_url'),
    );
    expect(told.text).toContain('could not queue the clone');
    expect(JSON.stringify(told.blocks)).toContain('Try again in a moment: `/clone 112 as web-nq on pve1`');
    expect(told.text).not.toContain('Something went wrong');
    const [record] = await harness.store.listRecent(1);
    expect(record?.status).toBe('failed');
    expect(queue.calls()).toBe(1);
    expect(await harness.jobIds()).toEqual([]);
    const parent = harness.sim.messages(CH)[0];
    expect(parent?.ts).toBe(record?.messageTs);
    const failed = await harness.sim.waitUntil(() => {
      const m = harness.sim.message(CH, parent?.ts ?? '');
      return m && m.updates > 0 ? m : undefined;
    });
    expect(JSON.stringify(failed.blocks)).toContain('*Failed*');
    const [reply] = harness.sim.thread(CH, parent?.ts ?? '');
    expect(reply?.text).toContain('<@U0REQUESTER> I could not queue the clone');

    // The queue is back: asking again queues a new request at once.
    await harness.sim.slashCommand({ userId: 'U0REQUESTER', channelId: CH, text: '112 as web-nq on pve1' });
    const again = await waitFor(async () => {
      const [r] = await harness.store.listRecent(1);
      return r && r.id !== record?.id && (await harness.jobIds()).includes(r.id) ? r : undefined;
    }, 'the second request queued');
    expect(again.status).toBe('approved');
  });
});
