import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { holdLease } from '../../src/jobs/hold-lease.ts';
import { createLeaseKeeper } from '../../src/jobs/lease-keeper.ts';
import { createNodeSlots } from '../../src/jobs/node-slots.ts';
import { createLogger } from '../../src/logger.ts';
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

  it('leases expire by Redis server time: a host whose clock runs an hour ahead purges no live lease', async () => {
    const onA = createNodeSlots(a, { prefix, leaseMs: 60_000 });
    const onB = createNodeSlots(b, { prefix, leaseMs: 60_000 });
    expect(await onA.acquire('pve1', 'on-a', 1)).toBe(true);
    const [seconds, micros] = await a.time();
    const serverNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const expiry = Number(await a.zscore(`${prefix}slots:pve1`, 'on-a'));
    expect(expiry).toBeGreaterThanOrEqual(serverNow + 59_000);
    expect(expiry).toBeLessThanOrEqual(serverNow + 60_000);
    // Host B's clock is an hour fast: with leases on host clocks, B saw on-a's lease as long expired.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 3_600_000);
    try {
      expect(await onB.acquire('pve1', 'on-b', 1)).toBe(false);
      expect(await onB.holders('pve1')).toEqual(['on-a']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a lost lease whose work still runs is put back over the limit, so newcomers wait for it', async () => {
    const logger = createLogger('silent');
    const slots = createNodeSlots(a, { prefix, clock, leaseMs: 900 });
    expect(await slots.acquire('pve1', 'running', 2)).toBe(true);
    expect(await slots.acquire('pve1', 'other', 2)).toBe(true);
    const stop = holdLease(slots, 'pve1', 'running', clock, logger);
    try {
      // Its renewals failed for a whole lease (Redis out, the process paused): purged, the slot given away.
      await a.zrem(`${prefix}slots:pve1`, 'running');
      expect(await slots.acquire('pve1', 'newcomer', 2)).toBe(true);
      clock.advance(300); // the next renewal finds the lease gone
      await expect
        .poll(() => slots.holders('pve1').then((h) => h.sort()))
        .toEqual(['newcomer', 'other', 'running']);
      // Over the limit until enough holders end: one ending does not let a fourth clone start beside it.
      await slots.release('pve1', 'other');
      expect(await slots.acquire('pve1', 'fourth', 2)).toBe(false);
      await slots.release('pve1', 'newcomer');
      expect(await slots.acquire('pve1', 'fourth', 2)).toBe(true);
    } finally {
      stop();
    }
  });

  it('one lease keeper renews every lease a process holds, puts a lost one back, and never a released one', async () => {
    const logger = createLogger('silent');
    const slots = createNodeSlots(a, { prefix, clock, leaseMs: 900 });
    const keeper = createLeaseKeeper(slots, clock, logger);
    for (const id of ['one', 'two', 'three']) expect(await slots.acquire('pve1', id, 3)).toBe(true);
    const stops = ['one', 'two', 'three'].map((id) => keeper.hold('pve1', id));
    try {
      // Two lease lifetimes in renewal steps: all three stay held.
      for (let i = 0; i < 6; i++) {
        clock.advance(300);
        await expect.poll(async () => (await slots.holders('pve1')).length).toBe(3);
      }
      // 'two' lost (renewals failed for a whole lease) and its slot given away: put back over the limit.
      await a.zrem(`${prefix}slots:pve1`, 'two');
      expect(await slots.acquire('pve1', 'newcomer', 3)).toBe(true);
      stops.push(keeper.hold('pve1', 'newcomer'));
      clock.advance(300);
      await expect
        .poll(() => slots.holders('pve1').then((h) => h.sort()))
        .toEqual(['newcomer', 'one', 'three', 'two']);
      // 'one' released: no renewal brings it back.
      stops[0]?.();
      await slots.release('pve1', 'one');
      expect(keeper.size).toBe(3);
      clock.advance(300);
      await expect
        .poll(() => slots.holders('pve1').then((h) => h.sort()))
        .toEqual(['newcomer', 'three', 'two']);
      clock.advance(300);
      expect((await slots.holders('pve1')).sort()).toEqual(['newcomer', 'three', 'two']);
    } finally {
      for (const stop of stops) stop();
    }
    expect(keeper.size).toBe(0);
    // No lease held: no renewal keeps any alive past its lifetime.
    clock.advance(900);
    expect(await slots.holders('pve1')).toEqual([]);
  });
});
