import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backfillOpenIndex } from '../../src/requests/backfill-open-index.ts';
import { requestKeys } from '../../src/requests/request-keys.ts';
import { createRequestStore } from '../../src/requests/request-store.ts';
import type { NewRequestInput, RequestStore } from '../../src/requests/types.ts';
import { connect, deleteKeys, freshPrefix, manualClock } from './redis-fixture.ts';

const input = (userId: string, name: string): NewRequestInput => ({
  request: { template: { kind: 'vmid', vmid: 112 }, name, node: 'pve1', mode: 'full' },
  text: `112 as ${name} on pve1`,
  requester: { userId },
  channelId: 'C123',
  status: 'pending',
});

describe('backfillOpenIndex', () => {
  let redis: Redis;
  let prefix: string;
  let store: RequestStore;

  beforeEach(() => {
    redis = connect();
    prefix = freshPrefix();
    store = createRequestStore(redis, { prefix, clock: manualClock() });
  });
  afterEach(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  /** Requests as a store from before bceadc4 left them: the same record and status keys, no `req:open:` index. */
  async function oldRequests() {
    const pending = await store.create(input('U1', 'a'));
    const approved = await store.create(input('U1', 'b'));
    await store.transition(approved.id, ['pending'], 'approved');
    const cloning = await store.create(input('U2', 'c'));
    await store.transition(cloning.id, ['pending'], 'approved');
    await store.transition(cloning.id, ['approved'], 'cloning');
    const done = await store.create(input('U1', 'd'));
    await store.transition(done.id, ['pending'], 'denied');
    const open = await redis.keys(`${prefix}req:open:*`);
    await redis.del(...open);
    return { pending, approved, cloning };
  }

  const openIds = async (user: string) => (await store.listOpenByUser(user)).map((r) => r.id).sort();

  it('indexes the requests in flight from the status sets, once per Redis; again is harmless', async () => {
    const { pending, approved, cloning } = await oldRequests();
    expect(await store.listOpenByUser('U1')).toEqual([]);
    const fresh = await store.create(input('U1', 'e'));

    expect(await backfillOpenIndex(redis, { prefix })).toEqual({ kind: 'done', indexed: 3 });
    expect(await openIds('U1')).toEqual([pending.id, approved.id, fresh.id].sort());
    expect(await openIds('U2')).toEqual([cloning.id]);
    // Scored by creation, like the store's own entries.
    expect(await redis.zscore(requestKeys(prefix).openByUser('U1'), pending.id)).toBe(
      String(pending.createdAt),
    );

    expect(await backfillOpenIndex(redis, { prefix })).toEqual({ kind: 'already-done' });
    // Even without the marker (a start that died before setting it), a second run adds nothing twice.
    await redis.del(requestKeys(prefix).openIndexBackfilled);
    expect(await backfillOpenIndex(redis, { prefix })).toEqual({ kind: 'done', indexed: 0 });
    expect(await redis.zcard(requestKeys(prefix).openByUser('U1'))).toBe(3);
  });

  it('two processes starting at once index each request once; one that ends later leaves the index', async () => {
    const { pending } = await oldRequests();
    const other = connect();
    try {
      const both = await Promise.all([
        backfillOpenIndex(redis, { prefix }),
        backfillOpenIndex(other, { prefix }),
      ]);
      const indexed = both.map((b) => (b.kind === 'done' ? b.indexed : 0));
      expect(indexed.reduce((a, b) => a + b)).toBe(3);
      expect(await redis.zcard(requestKeys(prefix).openByUser('U1'))).toBe(2);
      expect(await redis.zcard(requestKeys(prefix).openByUser('U2'))).toBe(1);
    } finally {
      other.disconnect();
    }
    await store.transition(pending.id, ['pending'], 'denied');
    expect(await redis.zscore(requestKeys(prefix).openByUser('U1'), pending.id)).toBeNull();
  });
});
