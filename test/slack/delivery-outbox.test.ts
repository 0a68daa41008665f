import { Writable } from 'node:stream';
import { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloneProgress } from '../../src/core/types.ts';
import { redeliverResults } from '../../src/jobs/start-redelivery-sweeper.ts';
import { createLogger } from '../../src/logger.ts';
import { createRequestStore } from '../../src/requests/request-store.ts';
import type { CloneRequestRecord, RequestStore } from '../../src/requests/types.ts';
import { type SlackSim, startSlackSim } from '../../src/sim/slack/index.ts';
import {
  createDeliveryOutbox,
  type DeliveryKind,
  type DeliveryOutbox,
  type DeliveryOutcome,
} from '../../src/slack/delivery-outbox.ts';
import { RESULT_EVENT_TYPE } from '../../src/slack/post-result-reply.ts';
import { createTokenBucket, type TokenBucket } from '../../src/slack/token-bucket.ts';
import { until } from '../jobs/worker-harness.ts';
import {
  connect,
  deleteKeys,
  freshPrefix,
  type ManualClock,
  manualClock,
} from '../requests/redis-fixture.ts';
import { sampleProgress, sampleSuccess } from './fixtures.ts';

const CH = 'C0CLONES';
const REQUESTER = 'U0REQUESTER';
let sim: SlackSim;
let redis: Redis;
let connection: Redis;
let prefix: string;
let store: RequestStore;
let clock: ManualClock;
let budget: TokenBucket;
let outbox: DeliveryOutbox;
let events: { kind: DeliveryKind; outcome: DeliveryOutcome }[];
let logLines: Record<string, unknown>[];

function start(over: { store?: RequestStore; attempts?: number } = {}) {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  });
  outbox = createDeliveryOutbox({
    connection,
    store: over.store ?? store,
    client: new WebClient(sim.botToken, {
      slackApiUrl: sim.apiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
    }),
    budget,
    clock,
    logger: createLogger('info', sink),
    proxmoxUiUrl: 'https://pve1.example.com:8006',
    prefix,
    backoffMs: 10,
    minRetryAfterMs: 10,
    ...(over.attempts !== undefined ? { attempts: over.attempts } : {}),
    onDelivery: (kind, outcome) => events.push({ kind, outcome }),
  });
  return outbox;
}

beforeEach(async () => {
  clock = manualClock(Date.now());
  sim = await startSlackSim({ clock });
  redis = connect();
  connection = connect();
  prefix = freshPrefix();
  store = createRequestStore(redis, { prefix, clock });
  budget = createTokenBucket({ capacity: 10, perMinute: 40, clock });
  events = [];
  logLines = [];
});
afterEach(async () => {
  await outbox?.close();
  await deleteKeys(redis, prefix);
  redis.disconnect();
  connection.disconnect();
  await sim.close();
});

/** A request whose clone just ended: its parent message and progress reply exist, its result is saved. */
async function finishedRecord(): Promise<CloneRequestRecord> {
  const web = new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl });
  const parent = await web.chat.postMessage({ channel: CH, text: 'request' });
  const reply = await web.chat.postMessage({ channel: CH, thread_ts: parent.ts as string, text: 'cloning' });
  const created = await store.create({
    request: { template: { kind: 'vmid', vmid: 112 }, name: 'web-1', node: 'pve1', mode: 'full' },
    text: '112 as web-1 on pve1',
    requester: { userId: REQUESTER },
    channelId: CH,
    messageTs: parent.ts as string,
    status: 'approved',
  });
  await store.transition(created.id, ['approved'], 'cloning', { progressTs: reply.ts as string }, 'worker');
  const t = await store.transition(created.id, ['cloning'], 'done', { result: sampleSuccess }, 'worker');
  if (!t.ok) throw new Error('transition');
  return t.record;
}

const resultReplies = (channel: string, threadTs?: string) =>
  (threadTs !== undefined ? sim.thread(channel, threadTs) : sim.messages(channel)).filter(
    (m) => (m.metadata as { event_type?: string } | undefined)?.event_type === RESULT_EVENT_TYPE,
  );

// The outcome is reported just after the record is saved: wait for it rather than race it.
const sawEvent = (kind: string, outcome: string) => () =>
  events.some((e) => e.kind === kind && e.outcome === outcome);

const delivered = (id: string) => async () => (await store.get(id))?.resultDelivered === true;

describe('the delivery outbox', () => {
  it('a 429, a 500 and message_not_found never lose the final reply, and it is posted once', async () => {
    start();
    const record = await finishedRecord();
    sim.injectFault('chat.update', { type: 'error', error: 'message_not_found' });
    sim.injectFault('chat.postMessage', { type: 'ratelimited', retryAfterSeconds: 0 }, 2);
    sim.injectFault('chat.postMessage', { type: 'http', status: 500 });
    expect(await outbox.notifier.finished(record, sampleSuccess)).toBe('queued');
    await until('the result', delivered(record.id));
    const replies = resultReplies(CH, record.messageTs);
    expect(replies).toHaveLength(1);
    const saved = await store.get(record.id);
    expect(saved?.resultTs).toEqual({ channel: CH, ts: replies[0]?.ts });
    expect(sim.calls('chat.postMessage').filter((c) => c.status === 429)).toHaveLength(2);
    // The request message shows the outcome too. It is edited after resultDelivered is saved, and the job
    // reports its end only after that edit: wait for the report, not for the record, before reading it.
    await until('the final delivered event', sawEvent('final', 'delivered'));
    expect(JSON.stringify(sim.message(CH, record.messageTs as string)?.blocks)).toContain('web-1');
    expect(await outbox.pending()).toBe(0);
    expect(await store.listUndelivered(clock.now())).toEqual([]);
  });

  it('a crash after Slack posted the reply but before it was saved: the retry finds it, posts no second', async () => {
    let crashes = 1;
    const crashing: RequestStore = {
      ...store,
      async update(id, patch) {
        if (patch.resultDelivered === true && crashes > 0) {
          crashes -= 1;
          throw new Error('worker died');
        }
        return store.update(id, patch);
      },
    };
    start({ store: crashing });
    const record = await finishedRecord();
    await outbox.notifier.finished(record, sampleSuccess);
    await until('the result', delivered(record.id));
    expect(crashes).toBe(0);
    const replies = resultReplies(CH, record.messageTs);
    expect(replies).toHaveLength(1);
    expect((await store.get(record.id))?.resultTs?.ts).toBe(replies[0]?.ts);
    expect(sim.calls('conversations.replies')).toHaveLength(1);
  });

  it('thread gone: posts in the channel; channel closed to the bot: DMs the requester', async () => {
    start();
    const a = await finishedRecord();
    sim.injectFault('chat.postMessage', { type: 'error', error: 'thread_not_found' });
    await outbox.notifier.finished(a, sampleSuccess);
    await until('the first result', delivered(a.id));
    expect(resultReplies(CH)).toHaveLength(1);

    const b = await finishedRecord();
    sim.injectFault('chat.postMessage', { type: 'error', error: 'not_in_channel' });
    await outbox.notifier.finished(b, sampleSuccess);
    await until('the second result', delivered(b.id));
    const dm = `D${REQUESTER.slice(1)}`;
    expect(resultReplies(dm)).toHaveLength(1);
    expect((await store.get(b.id))?.resultTs?.channel).toBe(dm);
    await until('both fallback events', () => events.filter((e) => e.outcome === 'fallback').length >= 2);
    expect(events.filter((e) => e.outcome === 'fallback')).toHaveLength(2);
    expect(logLines.some((l) => l.audit === true && String(l.msg).includes('(dm)'))).toBe(true);
  });

  it('nowhere to post: bounded tries, an audit record, a metric, and out of the re-delivery index', async () => {
    start();
    const record = await finishedRecord();
    sim.injectFault('chat.postMessage', { type: 'error', error: 'is_archived' });
    sim.injectFault('conversations.open', { type: 'error', error: 'user_not_found' });
    await outbox.notifier.finished(record, sampleSuccess);
    await until(
      'the delivery to be given up',
      async () => (await store.get(record.id))?.deliveryAbandoned !== undefined,
    );
    const saved = await store.get(record.id);
    expect(saved?.resultDelivered).toBeUndefined();
    expect(saved?.deliveryAbandoned?.reason).toContain('is_archived');
    expect(saved?.deliveryAbandoned?.reason).toContain('user_not_found');
    expect(sim.calls('chat.postMessage')).toHaveLength(2 + 1); // the fixture's 2 posts, then 1 try
    await until('the final abandoned event', sawEvent('final', 'abandoned'));
    expect(logLines.some((l) => l.audit === true && l.requestId === record.id && l.level === 50)).toBe(true);
    expect(await store.listUndelivered(clock.now())).toEqual([]);
  });

  it('transient failures: bounded attempts, then audited and given up', async () => {
    start({ attempts: 3 });
    const record = await finishedRecord();
    sim.injectFault('chat.postMessage', { type: 'http', status: 503 }, 3);
    await outbox.notifier.finished(record, sampleSuccess);
    await until(
      'the delivery to be given up',
      async () => (await store.get(record.id))?.deliveryAbandoned !== undefined,
    );
    expect(sim.calls('chat.postMessage').filter((c) => c.status === 503)).toHaveLength(3);
    await until('the final abandoned event', sawEvent('final', 'abandoned'));
    await until('the audit record', () =>
      logLines.some((l) => l.audit === true && String(l.msg).includes('after 3 tries')),
    );
  });

  it('progress edits are coalesced: a burst of ticks sends few edits, the last showing the newest', async () => {
    start();
    const web = new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl });
    const parent = await web.chat.postMessage({ channel: CH, text: 'request' });
    const reply = await web.chat.postMessage({ channel: CH, thread_ts: parent.ts as string, text: 'x' });
    const created = await store.create({
      request: { template: { kind: 'vmid', vmid: 112 }, name: 'web-2', node: 'pve1', mode: 'full' },
      text: 't',
      requester: { userId: REQUESTER },
      channelId: CH,
      messageTs: parent.ts as string,
      status: 'approved',
    });
    const t = await store.transition(created.id, ['approved'], 'cloning', { progressTs: reply.ts as string });
    if (!t.ok) throw new Error('transition');
    const tick = async (percent: number) => {
      const progress: CloneProgress = { ...sampleProgress, percent };
      await store.update(created.id, { lastProgress: progress });
      await outbox.notifier.progress(t.record, progress);
    };
    // Slack holds the first edit; 29 more ticks come meanwhile.
    sim.injectFault('chat.update', { type: 'latency', ms: 1000 });
    await tick(1);
    await until('the first edit to be in flight', () => sim.pendingFaults('chat.update') === 0);
    for (let percent = 2; percent <= 30; percent++) await tick(percent);
    clock.advance(1000);
    await until('the edits to go out', async () => (await outbox.pending()) === 0);
    const edits = sim.calls('chat.update').filter((c) => c.args.ts === reply.ts);
    // The held one (1%), then only the newest (30%): ticks 2-29 were never sent.
    expect(edits).toHaveLength(2);
    expect(JSON.stringify(edits[1]?.args.blocks)).toContain('30%');
    expect(JSON.stringify(sim.message(CH, reply.ts as string)?.blocks)).toContain('30%');
  });

  it('with the chat.update budget spent, a final reply still goes out and progress edits wait', async () => {
    start();
    for (let i = 0; i < 10; i++) budget.take();
    const record = await finishedRecord();
    // `other` still cloning as far as progress goes: a tick for it arrives with no budget left.
    const cloning = await finishedRecord();
    const c = await store.create({
      request: cloning.request,
      text: 't',
      requester: { userId: REQUESTER },
      channelId: CH,
      messageTs: cloning.messageTs as string,
      status: 'approved',
    });
    await store.transition(c.id, ['approved'], 'cloning', { progressTs: cloning.progressTs as string });
    const running = (await store.get(c.id)) as CloneRequestRecord;
    await outbox.notifier.progress(running, sampleProgress);
    await outbox.notifier.finished(record, sampleSuccess);
    await until('the result', delivered(record.id));
    expect(resultReplies(CH, record.messageTs)).toHaveLength(1);
    await until('the queue to drain', async () => (await outbox.pending()) === 0);
    await until('the progress skipped event', sawEvent('progress', 'skipped'));
    expect(sim.calls('chat.update').filter((u) => u.args.ts === running.progressTs)).toHaveLength(0);
  });
});

describe('the re-delivery sweeper', () => {
  it('reaches every undelivered result, not only the 100 oldest', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 130; i++) {
      const r = await store.create({
        request: { template: { kind: 'vmid', vmid: 112 }, name: `n-${i}`, node: 'pve1', mode: 'full' },
        text: 't',
        requester: { userId: REQUESTER },
        channelId: CH,
        status: 'approved',
      });
      await store.transition(r.id, ['approved'], 'cloning');
      await store.transition(r.id, ['cloning'], 'done', { result: sampleSuccess });
      ids.push(r.id);
    }
    clock.advance(3_600_000);
    const handed: string[] = [];
    const n = await redeliverResults({
      store,
      queue: { jobState: async () => 'unknown' },
      notifier: {
        started: async () => ({}),
        progress: async () => false,
        finished: async (record) => {
          handed.push(record.id);
          return 'queued';
        },
      },
      clock,
      logger: createLogger('silent'),
    });
    expect(n).toBe(130);
    expect(handed.toSorted()).toEqual(ids.toSorted());
  });
});
