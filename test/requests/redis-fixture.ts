import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Clock } from '../../src/clock.ts';

/** The Redis the tests share (127.0.0.1:6379); every test uses keys under a fresh prefix. */
export const REDIS_URL = 'redis://127.0.0.1:6379';

/** A unique key prefix per test, so parallel test files never see each other's keys. */
export function freshPrefix(): string {
  return `test:${randomBytes(5).toString('hex')}:`;
}

/** A new connection (BullMQ-compatible: maxRetriesPerRequest null). */
export function connect(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: null });
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** A clock that moves only when told to: deterministic expiry tests. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
}

/** Creates a ManualClock at `start`; sleep resolves once the clock is advanced past its deadline. */
export function manualClock(start = 1_750_000_000_000): ManualClock {
  let now = start;
  const sleepers: { until: number; resolve: () => void }[] = [];
  return {
    now: () => now,
    sleep(ms, signal) {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const entry = { until: now + ms, resolve };
        sleepers.push(entry);
        signal?.addEventListener('abort', () => {
          sleepers.splice(sleepers.indexOf(entry), 1);
          reject(signal.reason);
        });
      });
    },
    advance(ms) {
      now += ms;
      for (const s of [...sleepers]) {
        if (s.until <= now) {
          sleepers.splice(sleepers.indexOf(s), 1);
          s.resolve();
        }
      }
    },
  };
}
