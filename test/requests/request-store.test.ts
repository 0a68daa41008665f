import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { isRequestId } from '../../src/requests/request-id.ts';
import { createRequestStore } from '../../src/requests/request-store.ts';
import type { NewRequestInput, RequestStore } from '../../src/requests/types.ts';
import { connect, deleteKeys, freshPrefix, type ManualClock, manualClock } from './redis-fixture.ts';

const input = (over: Partial<NewRequestInput> = {}): NewRequestInput => ({
  request: { template: { kind: 'vmid', vmid: 112 }, name: 'test-clone', node: 'pve1', mode: 'full' },
  text: '112 as test-clone on pve1',
  requester: { userId: 'U111', userName: 'ada' },
  channelId: 'C123',
  status: 'pending',
  ...over,
});

describe('request store', () => {
  let redis: Redis;
  let other: Redis;
  let prefix: string;
  let clock: ManualClock;
  let audit: Record<string, unknown>[];
  let store: RequestStore;

  beforeEach(() => {
    redis = connect();
    other = connect();
    prefix = freshPrefix();
    clock = manualClock();
    audit = [];
    const logger = createLogger('info', { write: (line: string) => audit.push(JSON.parse(line)) });
    store = createRequestStore(redis, { prefix, clock, approvalTtlMs: 60_000, logger });
  });

  afterEach(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
    other.disconnect();
  });

  it('creates a pending request with an id, times from the clock, and indexes', async () => {
    const r = await store.create(input());
    expect(isRequestId(r.id)).toBe(true);
    expect(r).toMatchObject({ status: 'pending', createdAt: clock.now(), expiresAt: clock.now() + 60_000 });
    expect(await store.get(r.id)).toEqual(r);
    clock.advance(1);
    const second = await store.create(input({ status: 'approved', requester: { userId: 'U222' } }));
    expect((await store.listRecent(10)).map((x) => x.id)).toEqual([second.id, r.id]);
    expect((await store.listByStatus('pending')).map((x) => x.id)).toEqual([r.id]);
    expect((await store.listByStatus('approved')).map((x) => x.id)).toEqual([second.id]);
    expect((await store.listByUser('U111', 10)).map((x) => x.id)).toEqual([r.id]);
    expect(audit.filter((l) => l.audit)).toHaveLength(2);
  });

  it('transitions once: a second approval is refused with the record as it is', async () => {
    const r = await store.create(input());
    const first = await store.transition(r.id, ['pending'], 'approved', { decidedBy: 'U900', decidedAt: 1 });
    expect(first).toMatchObject({
      ok: true,
      previous: 'pending',
      record: { status: 'approved', decidedBy: 'U900' },
    });
    const second = await store.transition(r.id, ['pending'], 'approved', { decidedBy: 'U901' });
    expect(second).toMatchObject({ ok: false, reason: 'wrong-status', record: { decidedBy: 'U900' } });
    expect(await store.listByStatus('pending')).toEqual([]);
    expect((await store.listByStatus('approved')).map((x) => x.id)).toEqual([r.id]);
    const line = audit.find((l) => l.to === 'approved');
    expect(line).toMatchObject({ audit: true, requestId: r.id, from: 'pending', actor: 'U900' });
    expect(typeof line?.at).toBe('string');
  });

  it('lets exactly one of many simultaneous approvals (two connections) win', async () => {
    const r = await store.create(input());
    const rival = createRequestStore(other, { prefix, clock });
    const attempts = Array.from({ length: 10 }, (_, i) =>
      (i % 2 === 0 ? store : rival).transition(r.id, ['pending'], 'approved', { decidedBy: `U${i}` }),
    );
    const results = await Promise.all(attempts);
    const winners = results.filter((x) => x.ok);
    expect(winners).toHaveLength(1);
    expect(results.filter((x) => !x.ok && x.reason === 'wrong-status')).toHaveLength(9);
    const stored = await store.get(r.id);
    expect(stored?.decidedBy).toBe(winners[0]?.ok ? winners[0].record.decidedBy : 'none');
  });

  it('expires a pending request decided after its deadline and changes nothing else', async () => {
    const r = await store.create(input());
    clock.advance(60_000);
    const late = await store.transition(r.id, ['pending'], 'approved', { decidedBy: 'U900' });
    expect(late).toMatchObject({ ok: false, reason: 'expired', record: { status: 'expired' } });
    const stored = await store.get(r.id);
    expect(stored?.status).toBe('expired');
    expect(stored?.decidedBy).toBeUndefined();
    expect((await store.listByStatus('expired')).map((x) => x.id)).toEqual([r.id]);
    expect(await store.transition(r.id, ['pending'], 'approved')).toMatchObject({ reason: 'wrong-status' });
  });

  it('sweeps expired pending requests, leaving fresh ones', async () => {
    const old = await store.create(input());
    clock.advance(30_000);
    const fresh = await store.create(input());
    clock.advance(30_000);
    const swept = await store.expirePending();
    expect(swept.map((x) => x.id)).toEqual([old.id]);
    expect((await store.listByStatus('pending')).map((x) => x.id)).toEqual([fresh.id]);
  });

  it('cancels once, publishes the id on the cancel channel, and refuses a second cancel', async () => {
    const sub = connect();
    try {
      const received = new Promise<string>((resolve) => sub.on('message', (_ch, id: string) => resolve(id)));
      await sub.subscribe(`${prefix}cancel`);
      const r = await store.create(input({ status: 'approved' }));
      await store.transition(r.id, ['approved'], 'cloning');
      const cancelled = await store.cancel(r.id, 'U111');
      expect(cancelled).toMatchObject({ ok: true, previous: 'cloning', record: { status: 'cancelled' } });
      expect(await received).toBe(r.id);
      expect(await store.cancel(r.id, 'U111')).toMatchObject({ ok: false, reason: 'wrong-status' });
      expect(await store.transition(r.id, ['approved'], 'cloning')).toMatchObject({ ok: false });
    } finally {
      sub.disconnect();
    }
  });

  it('updates fields without ever changing the status, and keeps terminal records for 30 days only', async () => {
    const r = await store.create(input({ status: 'approved' }));
    expect(await redis.ttl(`${prefix}req:${r.id}`)).toBe(-1);
    await store.transition(r.id, ['approved'], 'cloning');
    const cp = await store.update(r.id, { checkpoint: { step: 'started', newVmid: 200, upid: 'UPID:x' } });
    expect(cp).toMatchObject({ status: 'cloning', checkpoint: { newVmid: 200 } });
    await store.cancel(r.id, 'U111');
    const late = await store.update(r.id, { checkpoint: { step: 'completed' }, resultDelivered: true });
    expect(late?.status).toBe('cancelled');
    const ttl = await redis.ttl(`${prefix}req:${r.id}`);
    expect(ttl).toBeGreaterThan(29 * 86_400);
    expect(ttl).toBeLessThanOrEqual(30 * 86_400);
    expect(await store.update('cr-aaaaaaaa', { resultDelivered: true })).toBeUndefined();
  });

  it('indexes saved results not yet delivered; exactly one of two claimers wins; delivery unindexes', async () => {
    const r = await store.create(input({ status: 'approved' }));
    await store.transition(r.id, ['approved'], 'cloning');
    expect(await store.listUndelivered(clock.now())).toEqual([]);
    const result = {
      ok: false as const,
      durationMs: 1000,
      diagnosis: { reason: 'timeout' as const, summary: 'timed out', advice: [] },
    };
    await store.transition(r.id, ['cloning'], 'failed', { result }, 'worker');
    const savedAt = clock.now();
    clock.advance(60_000);
    // Later writes keep the time the result was saved.
    await store.update(r.id, {
      lastProgress: { phase: 'cloning', elapsedMs: 1, timeoutMs: 2, message: 'x' },
    });
    expect(await store.listUndelivered(savedAt - 1)).toEqual([]);
    expect((await store.listUndelivered(savedAt)).map((x) => x.id)).toEqual([r.id]);

    const rival = createRequestStore(other, { prefix, clock });
    const claims = await Promise.all([
      store.claimDelivery(r.id, savedAt),
      rival.claimDelivery(r.id, savedAt),
    ]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    // Claimed now: not offered again before the next cut-off passes now, then offered again (the claimer died).
    expect(await store.listUndelivered(savedAt)).toEqual([]);
    expect(await store.claimDelivery(r.id, savedAt)).toBe(false);
    expect((await store.listUndelivered(clock.now())).map((x) => x.id)).toEqual([r.id]);

    await store.update(r.id, { resultDelivered: true });
    expect(await store.listUndelivered(clock.now())).toEqual([]);
    expect(await store.claimDelivery(r.id, clock.now())).toBe(false);
    expect(await redis.zcard(`${prefix}req:undelivered`)).toBe(0);
  });

  it('reports a missing request, and drops index entries whose record is gone', async () => {
    expect(await store.transition('cr-aaaaaaaa', ['pending'], 'approved')).toEqual({
      ok: false,
      reason: 'not-found',
    });
    const r = await store.create(input());
    await redis.del(`${prefix}req:${r.id}`);
    expect(await store.listRecent(5)).toEqual([]);
    expect(await redis.zcard(`${prefix}req:recent`)).toBe(0);
  });

  it('bounds the recent and per-user indexes: newest kept (enough for App Home and /clone status), old ones dropped', async () => {
    const bounded = createRequestStore(redis, {
      prefix,
      clock,
      approvalTtlMs: 60_000,
      terminalTtlMs: 10 * 86_400_000,
      recentLimit: 5,
      userRecentLimit: 3,
    });
    const made: string[] = [];
    for (let i = 0; i < 8; i++) {
      clock.advance(1000);
      made.push((await bounded.create(input())).id);
    }
    await bounded.create(input({ requester: { userId: 'U222' } }));
    expect(await redis.zcard(`${prefix}req:recent`)).toBe(5);
    expect(await redis.zcard(`${prefix}req:user:U111`)).toBe(3);
    expect((await bounded.listByUser('U111', 10)).map((r) => r.id)).toEqual(made.slice(-3).reverse());
    // Entries older than any record can live are dropped as well, and an idle user's index expires.
    clock.advance(20 * 86_400_000);
    await bounded.create(input({ requester: { userId: 'U333' } }));
    expect(await redis.zcard(`${prefix}req:recent`)).toBe(1);
    const ttl = await redis.pttl(`${prefix}req:user:U222`);
    expect(ttl).toBeGreaterThan(0);
  });

  it("keeps each user's open requests (pending, approved, cloning) in an index of their own, untrimmed, left as each ends", async () => {
    const small = createRequestStore(redis, { prefix, clock, approvalTtlMs: 60_000, userRecentLimit: 2 });
    const ids: string[] = [];
    for (const status of ['pending', 'approved', 'pending', 'pending'] as const) {
      clock.advance(1000);
      ids.push((await small.create(input({ status }))).id);
    }
    await small.create(input({ requester: { userId: 'U222' } }));
    const [a, b, c, d] = ids as [string, string, string, string];
    // The per-user recent index keeps 2; the open index keeps every request not yet ended, oldest first.
    expect((await small.listOpenByUser('U111')).map((r) => r.id)).toEqual([a, b, c, d]);
    expect((await small.listOpenByUser('U222')).map((r) => r.status)).toEqual(['pending']);
    await small.transition(b, ['approved'], 'cloning');
    await small.transition(a, ['pending'], 'denied');
    await small.cancel(c, 'U111');
    await small.update(b, { lastProgress: { phase: 'cloning', elapsedMs: 1, timeoutMs: 2, message: 'x' } });
    expect((await small.listOpenByUser('U111')).map((r) => [r.id, r.status])).toEqual([
      [b, 'cloning'],
      [d, 'pending'],
    ]);
    await small.transition(b, ['cloning'], 'done');
    clock.advance(61_000);
    await small.expirePending();
    expect(await small.listOpenByUser('U111')).toEqual([]);
    expect(await redis.exists(`${prefix}req:open:U111`)).toBe(0);
  });
});
