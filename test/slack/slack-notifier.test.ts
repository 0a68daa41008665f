import { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { announceStart } from '../../src/jobs/announce-start.ts';
import { createLogger } from '../../src/logger.ts';
import { createRequestStore } from '../../src/requests/request-store.ts';
import type { CloneRequestRecord, RequestStore } from '../../src/requests/types.ts';
import { type SlackSim, startSlackSim } from '../../src/sim/slack/index.ts';
import { createSharedTokenBucket } from '../../src/slack/shared-token-bucket.ts';
import { createSlackNotifier } from '../../src/slack/slack-notifier.ts';
import { type CallBudget, createTokenBucket } from '../../src/slack/token-bucket.ts';
import {
  connect,
  deleteKeys,
  freshPrefix,
  type ManualClock,
  manualClock,
} from '../requests/redis-fixture.ts';
import { sampleFailure, sampleProgress, sampleSuccess } from './fixtures.ts';

const CH = 'C0CLONES';
let sim: SlackSim;
let redis: Redis;
let prefix: string;
let store: RequestStore;
let clock: ManualClock;

beforeEach(async () => {
  clock = manualClock(Date.now());
  sim = await startSlackSim();
  redis = connect();
  prefix = freshPrefix();
  store = createRequestStore(redis, { prefix, clock });
});
afterEach(async () => {
  await sim.close();
  await deleteKeys(redis, prefix);
  await redis.quit();
});

function notifier(
  opts: { capacity?: number; perMinute?: number; finalRetries?: number; budget?: CallBudget } = {},
) {
  const client = new WebClient(sim.botToken, {
    slackApiUrl: sim.apiUrl,
    ...(opts.finalRetries !== undefined ? { retryConfig: { retries: opts.finalRetries } } : {}),
  });
  const progressClient = new WebClient(sim.botToken, {
    slackApiUrl: sim.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
  return createSlackNotifier({
    client,
    progressClient,
    store,
    clock,
    logger: createLogger('silent'),
    proxmoxUiUrl: 'https://pve1:8006',
    budget:
      opts.budget ??
      createTokenBucket({ capacity: opts.capacity ?? 10, perMinute: opts.perMinute ?? 40, clock }),
  });
}

/** A cloning request whose parent message exists in the fake channel. */
async function cloningRecord(): Promise<CloneRequestRecord> {
  const parent = await new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl }).chat.postMessage({
    channel: CH,
    text: 'request',
  });
  const record = await store.create({
    request: { template: { kind: 'vmid', vmid: 112 }, name: 'web-1', node: 'pve1', mode: 'full' },
    text: '112 as web-1 on pve1',
    requester: { userId: 'U0REQUESTER' },
    channelId: CH,
    messageTs: parent.ts as string,
    status: 'approved',
  });
  const t = await store.transition(record.id, ['approved'], 'cloning', {}, 'worker');
  if (!t.ok) throw new Error('transition');
  return t.record;
}

describe('createSlackNotifier', () => {
  it('started posts one thread reply and marks the parent cloning; progress edits that reply', async () => {
    const n = notifier();
    const record = await cloningRecord();
    const { progressTs } = await n.started(record);
    expect(progressTs).toBeDefined();
    const thread = sim.thread(CH, record.messageTs as string);
    expect(thread.map((m) => m.ts)).toEqual([progressTs]);
    expect(JSON.stringify(sim.message(CH, record.messageTs as string)?.blocks)).toContain('Cloning');
    const withTs = { ...record, progressTs: progressTs as string };
    expect(await n.progress(withTs, sampleProgress)).toBe(true);
    const reply = sim.message(CH, progressTs as string);
    expect(reply?.updates).toBe(1);
    expect(JSON.stringify(reply?.blocks)).toContain('42%');
    // A resumed job does not post a second progress reply.
    expect(await n.started(withTs)).toEqual({ progressTs });
    expect(sim.thread(CH, record.messageTs as string)).toHaveLength(1);
  });

  it('a resumed job adopts the progress reply a dead worker posted but never saved, and edits it', async () => {
    const record = await cloningRecord();
    const parentTs = record.messageTs as string;
    await new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl }).chat.postMessage({
      channel: CH,
      thread_ts: parentTs,
      text: 'someone chatting in the thread',
    });
    // The dead worker: marker saved, reply posted, then gone before the ts was saved.
    const marked = (await store.update(record.id, { startPosting: true })) as CloneRequestRecord;
    const { progressTs } = await notifier().started(marked);
    expect(progressTs).toBeDefined();

    const resumed = await announceStart(store, notifier(), marked, createLogger('silent'));
    expect(resumed).toMatchObject({ progressTs, startNotified: true });
    expect((await store.get(record.id))?.progressTs).toBe(progressTs);
    expect(sim.calls('conversations.replies')).toHaveLength(1);
    expect(await notifier().progress(resumed, sampleProgress)).toBe(true);
    const thread = sim.thread(CH, parentTs);
    expect(thread).toHaveLength(2);
    expect(
      thread.filter((m) => JSON.stringify(m.blocks ?? []).includes(`progress-${record.id}`)),
    ).toHaveLength(1);
    expect(sim.message(CH, progressTs as string)?.updates).toBe(1);
    expect(JSON.stringify(sim.message(CH, progressTs as string)?.blocks)).toContain('42%');
  });

  it('finds no progress reply of another request, and none when Slack cannot answer', async () => {
    const record = await cloningRecord();
    const other = await cloningRecord();
    await notifier().started({ ...other, messageTs: record.messageTs as string });
    expect(await notifier().findStarted?.(record)).toEqual({});
    sim.injectFault('conversations.replies', { type: 'error', error: 'missing_scope' });
    await expect(notifier().findStarted?.(record)).rejects.toThrow(/missing_scope/);
  });

  it('skips ticks over the chat.update budget and refills with time', async () => {
    const n = notifier({ capacity: 2, perMinute: 6 });
    const record = await cloningRecord();
    const { progressTs } = await n.started(record); // the parent edit takes one token
    const r = { ...record, progressTs: progressTs as string };
    expect(await n.progress(r, sampleProgress)).toBe(true);
    expect(await n.progress(r, sampleProgress)).toBe(false);
    expect(await n.progress(r, sampleProgress)).toBe(false);
    clock.advance(10_000); // 6/min → one token per 10 s
    expect(await n.progress(r, sampleProgress)).toBe(true);
    expect(sim.calls('chat.update')).toHaveLength(3);
  });

  it('a 429 on a progress edit skips it (no retry, no throw) and pauses edits for Retry-After', async () => {
    const n = notifier();
    const record = await cloningRecord();
    const { progressTs } = await n.started(record);
    const r = { ...record, progressTs: progressTs as string };
    sim.injectFault('chat.update', { type: 'ratelimited', retryAfterSeconds: 20 }, 1);
    expect(await n.progress(r, sampleProgress)).toBe(false);
    const before = sim.calls('chat.update').length;
    expect(await n.progress(r, sampleProgress)).toBe(false);
    expect(sim.calls('chat.update')).toHaveLength(before); // paused: not even tried
    clock.advance(20_000);
    expect(await n.progress(r, sampleProgress)).toBe(true);
  });

  it('two workers (two Redis connections) share one chat.update budget and one 429 pause', async () => {
    const second = connect();
    try {
      const shared = (redis: Redis, capacity: number) =>
        createSharedTokenBucket({ redis, key: `${prefix}slack:chat-update-budget`, capacity, perMinute: 1 });
      const w1 = notifier({ budget: shared(redis, 4) });
      const w2 = notifier({ budget: shared(second, 4) });
      const r1 = await cloningRecord();
      const r2 = await cloningRecord();
      // Each started marks its parent "cloning": one token each, so two are left for the two workers.
      const p1 = { ...r1, progressTs: (await w1.started(r1)).progressTs as string };
      const p2 = { ...r2, progressTs: (await w2.started(r2)).progressTs as string };
      const before = sim.calls('chat.update').length;
      const ticks = [
        await w1.progress(p1, sampleProgress),
        await w2.progress(p2, sampleProgress),
        await w1.progress(p1, sampleProgress),
        await w2.progress(p2, sampleProgress),
      ];
      expect(ticks).toEqual([true, true, false, false]);
      expect(sim.calls('chat.update')).toHaveLength(before + 2);
      // The final edits are never refused by the empty budget.
      await w2.finished(p2, sampleSuccess);
      expect(JSON.stringify(sim.message(CH, p2.progressTs)?.blocks)).toContain('Clone finished');

      await deleteKeys(redis, `${prefix}slack:`);
      const w3 = notifier({ budget: shared(redis, 10) });
      const w4 = notifier({ budget: shared(second, 10) });
      sim.injectFault('chat.update', { type: 'ratelimited', retryAfterSeconds: 30 }, 1);
      expect(await w3.progress(p1, sampleProgress)).toBe(false);
      const after429 = sim.calls('chat.update').length;
      expect(await w4.progress(p1, sampleProgress)).toBe(false); // paused by the other worker's 429
      expect(sim.calls('chat.update')).toHaveLength(after429);
    } finally {
      await second.quit();
    }
  });

  it('finished posts the result as a new reply, finalises the progress reply and the parent, once', async () => {
    const n = notifier();
    const record = await cloningRecord();
    const { progressTs } = await n.started(record);
    const r = { ...record, progressTs: progressTs as string, lastProgress: sampleProgress };
    await n.finished(r, sampleSuccess);
    const thread = sim.thread(CH, record.messageTs as string);
    expect(thread).toHaveLength(2);
    expect(JSON.stringify(thread[1]?.blocks)).toContain('qemu%2F200');
    expect(JSON.stringify(sim.message(CH, progressTs as string)?.blocks)).toContain('Clone finished');
    expect(JSON.stringify(sim.message(CH, record.messageTs as string)?.blocks)).toContain('Done');
    expect((await store.get(record.id))?.resultDelivered).toBe(true);
    // A progress tick arriving after the end must not overwrite the final state.
    expect(await n.progress(r, sampleProgress)).toBe(false);
    await n.finished(r, sampleSuccess); // a retried delivery does not post twice
    expect(sim.thread(CH, record.messageTs as string)).toHaveLength(2);
  });

  it('finished throws when Slack refuses the result, so the job retries delivery', async () => {
    const n = notifier({ finalRetries: 0 });
    const record = await cloningRecord();
    sim.injectFault('chat.postMessage', { type: 'http', status: 500 }, 5);
    await expect(n.finished(record, sampleFailure())).rejects.toThrow();
    expect((await store.get(record.id))?.resultDelivered).toBeUndefined();
  });

  it('finished waits out a 429 on the result (Retry-After) and delivers it', async () => {
    const n = notifier();
    const record = await cloningRecord();
    sim.injectFault('chat.postMessage', { type: 'ratelimited', retryAfterSeconds: 1 }, 1);
    await n.finished(record, sampleFailure());
    const thread = sim.thread(CH, record.messageTs as string);
    expect(thread).toHaveLength(1);
    expect(thread[0]?.text).toContain('failed');
    expect(JSON.stringify(sim.message(CH, record.messageTs as string)?.blocks)).toContain('Failed');
  });
});
