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

/** How long a sweep's lock lives: past any sweep's length, short enough that a crashed sweeper's lock lapses. */
const SWEEP_LOCK_MS = 15 * 60_000;

/**
 * Runs `run` holding the lease-sweep lock, the one every worker and `pve-clonebot leases sweep` sharing this
 * Redis take, so two sweeps never act on the same VMs (nor DM the same owner) at once; `{ ran: false }` when
 * another sweep holds it. The lock is freed by its own token only: a sweep slower than the lock's lifetime must
 * not free another's.
 */
export async function withSweepLock<T>(
  redis: Redis,
  prefix: string,
  run: () => Promise<T>,
): Promise<{ ran: true; value: T } | { ran: false }> {
  const lockKey = `${prefix}lease:sweep-lock`;
  const token = randomUUID();
  if ((await redis.set(lockKey, token, 'PX', SWEEP_LOCK_MS, 'NX')) !== 'OK') return { ran: false };
  try {
    return { ran: true, value: await run() };
  } finally {
    await redis.eval(
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
      1,
      lockKey,
      token,
    );
  }
}

/**
 * Runs sweepLeases every `intervalMs` (real ms) in the worker, one sweep at a time across every worker sharing
 * this Redis (withSweepLock, which the CLI's `leases sweep` takes too). Returns a stop function.
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
  const ledger = redisLedger(deps.redis, prefix);
  let running = false;
  const once = async () => {
    if (running) return;
    running = true;
    try {
      const swept = await withSweepLock(deps.redis, prefix, () => sweepLeases({ ...deps, ledger }));
      if (!swept.ran) return;
      const report = swept.value;
      deps.onReport?.(report);
      if (report.warned.length + report.deleted.length + report.refused.length + report.failed.length > 0)
        deps.logger.info({ ...report }, 'lease sweep done');
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
