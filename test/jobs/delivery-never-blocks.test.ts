import { WebClient } from '@slack/web-api';
import { afterEach, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.ts';
import { type SlackSim, startSlackSim } from '../../src/sim/slack/index.ts';
import { createDeliveryOutbox, type DeliveryOutbox } from '../../src/slack/delivery-outbox.ts';
import { createTokenBucket } from '../../src/slack/token-bucket.ts';
import { connect } from '../requests/redis-fixture.ts';
import { FakeCluster } from './fake-clone-engine.ts';
import { until, workerHarness } from './worker-harness.ts';

const CH = 'C0CLONES';
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  closers.length = 0;
});

/** A clock for the Slack sim whose latency faults last until the test opens the gate. */
function gatedClock(): Clock & { open(): void } {
  let open = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { now: () => Date.now(), sleep: () => gate, open: () => open() };
}

/** A Slack sim on a gated clock, a worker on a fake cluster, and the delivery outbox between them. */
async function startWorld(
  outboxOptions: Partial<Parameters<typeof createDeliveryOutbox>[0]>,
  workerOptions: { concurrencyPerNode?: number } = {},
) {
  const slackClock = gatedClock();
  const slack: SlackSim = await startSlackSim({ clock: slackClock });
  closers.push(() => slack.close());
  const h = await workerHarness();
  closers.push(() => h.cleanup());
  const connection = connect();
  closers.push(async () => connection.disconnect());
  const outbox: DeliveryOutbox = createDeliveryOutbox({
    connection,
    store: h.store,
    client: new WebClient(slack.botToken, {
      slackApiUrl: slack.apiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
    }),
    budget: createTokenBucket({ capacity: 10, perMinute: 40, clock: h.clock }),
    clock: h.clock,
    logger: h.logger,
    proxmoxUiUrl: 'https://pve1.example.com:8006',
    prefix: h.prefix,
    ...outboxOptions,
  });
  closers.push(() => outbox.close());
  const cluster = new FakeCluster();
  await h.startWorker(cluster.engine(), { notifier: outbox.notifier, ...workerOptions });
  return { slack, slackClock, h, cluster };
}

// Issue 9: a final reply stuck in Slack held the clone's worker slot and node slot, so the next clones waited.
it('a clone job ends, and frees its node slot, while Slack still holds its final reply', async () => {
  const { slack, slackClock, h, cluster } = await startWorld({}, { concurrencyPerNode: 1 });

  const web = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl });
  const submit = async (name: string) => {
    const parent = await web.chat.postMessage({ channel: CH, text: `request ${name}` });
    const r = await h.store.create({
      request: { template: { kind: 'vmid', vmid: 112 }, name, node: 'pve1', mode: 'full' },
      text: name,
      requester: { userId: 'U0REQUESTER' },
      channelId: CH,
      messageTs: parent.ts as string,
      status: 'approved',
    });
    await h.queue.enqueue(r.id);
    return r.id;
  };
  const first = await submit('first');
  await until('the first clone', () => cluster.running('pve1').length === 1);
  await until('its progress reply', async () => (await h.store.get(first))?.progressTs !== undefined);
  const second = await submit('second');

  // Slack now holds the first clone's result, the next post in its thread, until the gate opens. Only that
  // one: the second clone's progress reply is posted meanwhile too, and on a loaded machine it came first and
  // took an unmatched hold, so the second clone waited on Slack and the result went out.
  const firstThread = (await h.store.get(first))?.messageTs;
  slack.injectFault('chat.postMessage', { type: 'latency', ms: 1 }, 1, (a) => a.thread_ts === firstThread);
  cluster.finish(cluster.running('pve1')[0]?.upid as string);
  await until('the first clone job to end', async () => (await h.queue.jobState(first)) === 'completed');
  await until('the result post to be held by Slack', () => slack.pendingFaults('chat.postMessage') === 0);
  expect((await h.store.get(first))?.status).toBe('done');
  expect((await h.store.get(first))?.resultDelivered).toBeUndefined();
  // One clone per node: the second runs only because the first freed its slot without waiting on Slack.
  await until('the second clone', () => cluster.running('pve1').length === 1);
  expect((await h.store.get(second))?.status).toBe('cloning');

  slackClock.open();
  await until('the first result', async () => (await h.store.get(first))?.resultDelivered === true);
  const parentTs = (await h.store.get(first))?.messageTs as string;
  const replies = slack.thread(CH, parentTs);
  expect(replies).toHaveLength(2); // the progress reply, then the result
});

// A Slack that takes the progress reply's post and never answers: the clone's start waited for it forever.
it('a progress reply Slack never answers holds the clone back only for its timeout, and is adopted when it lands', async () => {
  const { slack, slackClock, h, cluster } = await startWorld({ progressReplyTimeoutMs: 200 });

  const web = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl });
  const parent = await web.chat.postMessage({ channel: CH, text: 'request held' });
  const parentTs = parent.ts as string;
  // The first post in the request's thread is the progress reply: Slack holds it until the gate opens.
  slack.injectFault('chat.postMessage', { type: 'latency', ms: 1 }, 1, (a) => a.thread_ts === parentTs);
  const r = await h.store.create({
    request: { template: { kind: 'vmid', vmid: 112 }, name: 'held', node: 'pve1', mode: 'full' },
    text: 'held',
    requester: { userId: 'U0REQUESTER' },
    channelId: CH,
    messageTs: parentTs,
    status: 'approved',
  });
  await h.queue.enqueue(r.id);
  await until(
    'the clone to run while Slack holds its progress reply',
    () => cluster.running('pve1').length === 1,
  );
  expect(slack.pendingFaults('chat.postMessage')).toBe(0);
  expect((await h.store.get(r.id))?.progressTs).toBeUndefined();

  slackClock.open();
  await until('the late reply adopted', async () => (await h.store.get(r.id))?.progressTs !== undefined);
  cluster.finish(cluster.running('pve1')[0]?.upid as string);
  await until('the result', async () => (await h.store.get(r.id))?.resultDelivered === true);
  const replies = slack.thread(CH, parentTs);
  expect(replies).toHaveLength(2); // the progress reply (posted once), then the result
  // The adopted reply was finalised like any other: it no longer says the clone is running.
  expect(replies[0]?.text).toBe('Clone of held: finished');
});
