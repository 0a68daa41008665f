import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX } from '../requests/request-keys.ts';
import { type SweepDeps, type SweepReport, sweepLeases, type WarnedLedger } from './sweep-leases.ts';

/** The warned-once ledger in Redis (SET NX with a 30-day lifetime: past any lease's end). */
export function redisLedger(redis: Redis, prefix = DEFAULT_PREFIX): WarnedLedger {
  return {
    claim: async (key) =>
      (await redis.set(`${prefix}lease:warned:${key}`, '1', 'PX', 30 * 86_400_000, 'NX')) === 'OK',
    // Only the sweep holding the sweep lock claims and releases, so no token is needed to free its own claim.
    release: async (key) => void (await redis.del(`${prefix}lease:warned:${key}`)),
  };
}

/**
 * Runs sweepLeases every `intervalMs` (real ms) in the worker, one sweep at a time across every worker sharing
 * this Redis (a lock held for the sweep, released by its own token only). Returns a stop function.
 */
export function startLeaseSweeper(
  deps: Omit<SweepDeps, 'ledger'> & {
    redis: Redis;
    prefix?: string;
    intervalMs: number;
    onReport?: (r: SweepReport) => void;
  },
): () => void {
  const prefix = deps.prefix ?? DEFAULT_PREFIX;
  const lockKey = `${prefix}lease:sweep-lock`;
  const ledger = redisLedger(deps.redis, prefix);
  let running = false;
  const once = async () => {
    if (running) return;
    running = true;
    const token = randomUUID();
    try {
      if ((await deps.redis.set(lockKey, token, 'PX', 15 * 60_000, 'NX')) !== 'OK') return;
      try {
        const report = await sweepLeases({ ...deps, ledger });
        deps.onReport?.(report);
        if (report.warned.length + report.deleted.length + report.refused.length + report.failed.length > 0)
          deps.logger.info({ ...report }, 'lease sweep done');
      } finally {
        // Only our own lock: a sweep slower than the lock's lifetime must not free another worker's.
        await deps.redis.eval(
          "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
          1,
          lockKey,
          token,
        );
      }
    } catch (err) {
      deps.logger.warn({ err }, 'lease sweep failed (the next one tries again)');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void once(), deps.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
