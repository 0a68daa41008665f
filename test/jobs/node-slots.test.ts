import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeSlots } from '../../src/jobs/node-slots.ts';
import {
  connect,
  deleteKeys,
  freshPrefix,
  type ManualClock,
  manualClock,
} from '../requests/redis-fixture.ts';

describe('node slots (per-node semaphore across processes)', () => {
  let a: Redis;
  let b: Redis;
  let prefix: string;
  let clock: ManualClock;

  beforeEach(() => {
    a = connect();
    b = connect();
    prefix = freshPrefix();
    clock = manualClock();
  });

  afterEach(async () => {
    await deleteKeys(a, prefix);
    a.disconnect();
    b.disconnect();
  });

  it('grants N of N+1 simultaneous acquirers on two connections, per node', async () => {
    const onA = createNodeSlots(a, { prefix, clock, leaseMs: 1000 });
    const onB = createNodeSlots(b, { prefix, clock, leaseMs: 1000 });
    const got = await Promise.all(
      ['l1', 'l2', 'l3', 'l4'].map((id, i) => (i % 2 === 0 ? onA : onB).acquire('pve1', id, 3)),
    );
    expect(got.filter(Boolean)).toHaveLength(3);
    expect(await onB.holders('pve1')).toHaveLength(3);
    // Another node has its own slots.
    expect(await onA.acquire('pve2', 'l9', 3)).toBe(true);
    // A holder asking again (a resumed job) keeps its slot without taking a second one.
    const holder = (await onA.holders('pve1'))[0] as string;
    expect(await onB.acquire('pve1', holder, 3)).toBe(true);
    expect(await onA.holders('pve1')).toHaveLength(3);
  });

  it('frees the slot of a lease that was not renewed, and releases on demand', async () => {
    const onA = createNodeSlots(a, { prefix, clock, leaseMs: 1000 });
    const onB = createNodeSlots(b, { prefix, clock, leaseMs: 1000 });
    expect(await onA.acquire('pve1', 'dead', 2)).toBe(true);
    expect(await onB.acquire('pve1', 'alive', 2)).toBe(true);
    expect(await onB.acquire('pve1', 'waiting', 2)).toBe(false);
    clock.advance(600);
    expect(await onB.renew('pve1', 'alive')).toBe(true);
    clock.advance(400);
    // 'dead' reached its expiry without renewal: its slot is free.
    expect(await onB.acquire('pve1', 'waiting', 2)).toBe(true);
    expect((await onA.holders('pve1')).sort()).toEqual(['alive', 'waiting']);
    expect(await onA.renew('pve1', 'dead')).toBe(false);
    expect(await onA.acquire('pve1', 'dead', 2)).toBe(false);
    await onB.release('pve1', 'alive');
    expect(await onA.acquire('pve1', 'dead', 2)).toBe(true);
  });
});
