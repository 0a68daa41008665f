import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { DEFAULT_PREFIX, requestKeys } from './request-keys.ts';
import { type CloneRequestRecord, type RequestStatus, TERMINAL_STATUSES } from './types.ts';

// Indexes a request only if its record is still the JSON read: a write since (by a store that keeps the
// index itself) already put it in, or took it out when it ended, and must not be undone.
const ADD_IF_UNCHANGED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('ZADD', KEYS[2], 'NX', ARGV[2], ARGV[3])
`;

/** The statuses not yet ended (TERMINAL_STATUSES are the rest): what the open index holds. */
const OPEN_STATUSES: readonly RequestStatus[] = ['pending', 'approved', 'cloning'];

/** How a backfill ended: already done on this Redis (marker set), or how many requests it indexed. */
export type BackfillOutcome = { kind: 'already-done' } | { kind: 'done'; indexed: number };

/**
 * Puts requests in flight from before the per-user open index (`req:open:<user>`, the quota's count) into
 * it, from the status sets; once per Redis (a marker key, set when it has finished, so a start that dies
 * half-way is redone). Idempotent, so two processes starting at once both run it harmlessly.
 */
export async function backfillOpenIndex(
  redis: Redis,
  options: { prefix?: string; logger?: Logger; batch?: number } = {},
): Promise<BackfillOutcome> {
  const keys = requestKeys(options.prefix ?? DEFAULT_PREFIX);
  if ((await redis.exists(keys.openIndexBackfilled)) === 1) return { kind: 'already-done' };
  const batch = options.batch ?? 500;
  let indexed = 0;
  for (const status of OPEN_STATUSES) {
    // All ids at once (ids only): paging by rank would skip members while other writes move them out.
    const ids = await redis.zrange(keys.byStatus(status), 0, '-1');
    for (let start = 0; start < ids.length; start += batch) {
      const chunk = ids.slice(start, start + batch);
      const raws = await redis.mget(...chunk.map((id) => keys.record(id)));
      for (const raw of raws) {
        if (raw === null) continue;
        const record = JSON.parse(raw) as CloneRequestRecord;
        if (TERMINAL_STATUSES.includes(record.status)) continue;
        const added = await redis.eval(
          ADD_IF_UNCHANGED,
          2,
          keys.record(record.id),
          keys.openByUser(record.requester.userId),
          raw,
          record.createdAt,
          record.id,
        );
        if (added === 1) indexed += 1;
      }
    }
  }
  await redis.set(keys.openIndexBackfilled, JSON.stringify({ indexed }));
  options.logger?.info({ indexed }, 'requests in flight put in the per-user quota index');
  return { kind: 'done', indexed };
}
