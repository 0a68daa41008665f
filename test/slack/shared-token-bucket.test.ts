import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSharedTokenBucket } from '../../src/slack/shared-token-bucket.ts';
import { connect, deleteKeys, freshPrefix } from '../requests/redis-fixture.ts';
import { waitFor } from './wait-for.ts';

let one: Redis;
let two: Redis;
let prefix: string;
beforeEach(() => {
  one = connect();
  two = connect();
  prefix = freshPrefix();
});
afterEach(async () => {
  await deleteKeys(one, prefix);
  await Promise.all([one.quit(), two.quit()]);
});

/** The same bucket as two processes see it, each on its own connection. */
function pair(capacity: number, perMinute: number) {
  const key = `${prefix}slack:chat-update-budget`;
  return [
    createSharedTokenBucket({ redis: one, key, capacity, perMinute }),
    createSharedTokenBucket({ redis: two, key, capacity, perMinute }),
  ] as const;
}

describe('createSharedTokenBucket', () => {
  it('two processes draw on one budget: together they get `capacity` tokens, not twice that', async () => {
    const [a, b] = pair(4, 1); // 1/min: no token refills during the test
    const taken = await Promise.all([
      a.tryTake(),
      b.tryTake(),
      a.tryTake(),
      b.tryTake(),
      a.tryTake(),
      b.tryTake(),
    ]);
    expect(taken.filter(Boolean)).toHaveLength(4);
    expect(await a.tryTake()).toBe(false);
    expect(await b.tryTake()).toBe(false);
    expect(Math.floor(await b.available())).toBe(0);
  });

  it('a forced take goes below zero, and every process backs off until refilled', async () => {
    // A token a second: the checks right after the forced take have a second of slack on a busy machine.
    const [a, b] = pair(1, 60);
    expect(await a.tryTake()).toBe(true);
    await b.take(); // a final edit: sent regardless, but counted
    expect(await a.available()).toBeLessThan(0);
    expect(await a.tryTake()).toBe(false);
    // Refilled by real elapsed time (Redis's clock): about 2 s to climb back to one token.
    await waitFor(() => b.tryTake(), 'the refill', 10_000);
  });

  it('a pause after a 429 stops every process’s tryTake, though tokens are left', async () => {
    const [a, b] = pair(10, 1);
    await a.pause(60_000);
    expect(await b.tryTake()).toBe(false);
    expect(await a.tryTake()).toBe(false);
    expect(await b.available()).toBeCloseTo(10, 0);
  });

  it('the key expires once idle, so a dropped budget leaves nothing behind', async () => {
    const [a] = pair(10, 600);
    await a.take();
    const ttl = await one.pttl(`${prefix}slack:chat-update-budget`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_100 + 100);
  });
});
