import type { Redis } from 'ioredis';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { newRequestId } from './request-id.ts';
import { DEFAULT_PREFIX, requestKeys } from './request-keys.ts';
import { statusesAllowing, targetOf } from './request-lifecycle.ts';
import { mergeFields } from '../core/merge-fields.ts';
import { FencedOutError } from './fenced-out-error.ts';
import { casRecord, claimUndelivered, createRecord, holdsFence } from './request-scripts.ts';
import {
  type CloneRequestRecord,
  type FencedStore,
  type NewRequestInput,
  type RecordPatch,
  type RequestStatus,
  type RequestStore,
  TERMINAL_STATUSES,
  type TransitionResult,
  type WriteFence,
} from './types.ts';

/** Options for createRequestStore. */
export interface RequestStoreOptions {
  /** Key prefix (default `clonebot:`); tests use a fresh one each. */
  prefix?: string;
  clock: Clock;
  /** How long a pending request may wait for a decision (default 24 h); per request via `approvalTtlMs`. */
  approvalTtlMs?: number;
  /** How long a finished (terminal) record is kept (default 30 days). */
  terminalTtlMs?: number;
  /**
   * Newest ids kept in the recent index (default 1000) and in each user's index (default 100: App Home and
   * `/clone status` show 10). Older records stay readable by id until their own TTL.
   */
  recentLimit?: number;
  userRecentLimit?: number;
  /** Audit log: one line per created request and per status change. */
  logger?: Logger;
}

const DAY_MS = 86_400_000;

/**
 * The request store: one JSON record per request under `${prefix}req:<id>`, indexed by sorted sets
 * (recent, per status, per user). Writes are compare-and-set on the whole JSON in a Lua script, retried on
 * conflict, so two approvers clicking at once yield exactly one transition.
 */
export function createRequestStore(redis: Redis, options: RequestStoreOptions): RequestStore {
  return storeCore(redis, options).store;
}

/**
 * Everything of a store that does not depend on a fence, built once per store. A clone worker fences a view
 * per job (up to WORKER_CONCURRENCY at once, each held for the whole clone), so a fenced view costs only the
 * few closures that carry its fence; the rest is shared (issue 9: 1,000 clones followed per process).
 */
function storeCore(redis: Redis, options: RequestStoreOptions) {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const keys = requestKeys(prefix);
  const { clock, logger } = options;
  const approvalTtlMs = options.approvalTtlMs ?? DAY_MS;
  const terminalTtlS = Math.ceil((options.terminalTtlMs ?? 30 * DAY_MS) / 1000);
  const isTerminal = (s: RequestStatus) => TERMINAL_STATUSES.includes(s);
  const recentLimit = options.recentLimit ?? 1000;
  const userRecentLimit = options.userRecentLimit ?? 100;
  // No record outlives this from its creation: a decision within the approval TTL, then the terminal TTL
  // (plus a day for the clone itself). Index entries older than that point at nothing.
  const indexLifeMs = (ttl: number) => Math.max(ttl, approvalTtlMs) + terminalTtlS * 1000 + DAY_MS;

  const read = async (id: string): Promise<{ raw: string; record: CloneRequestRecord } | undefined> => {
    const raw = await redis.get(keys.record(id));
    return raw === null ? undefined : { raw, record: JSON.parse(raw) as CloneRequestRecord };
  };

  const refuse = (fence: WriteFence | undefined, id: string): never => {
    const error = new FencedOutError(id, fence?.key ?? '');
    fence?.onRefused?.(error);
    throw error;
  };

  /** Writes `next` if the record is still `raw`; false on a concurrent change; throws when fenced out. */
  const write = async (
    fence: WriteFence | undefined,
    raw: string,
    before: CloneRequestRecord,
    next: CloneRequestRecord,
  ) => {
    const outcome = await casRecord(redis, {
      recordKey: keys.record(next.id),
      oldStatusKey: keys.byStatus(before.status),
      newStatusKey: keys.byStatus(next.status),
      expected: raw,
      next: JSON.stringify(next),
      id: next.id,
      score: next.createdAt,
      ttlSeconds: isTerminal(next.status) ? terminalTtlS : 0,
      pruneBefore: isTerminal(next.status) ? clock.now() - terminalTtlS * 1000 : 0,
      // Indexed in the same script as the write, so a result can never be saved without the re-delivery
      // sweeper being able to find it.
      undeliveredKey: keys.undelivered,
      undelivered:
        next.result !== undefined && next.resultDelivered !== true && next.deliveryAbandoned === undefined,
      now: clock.now(),
      ...(fence === undefined ? {} : { fence: { key: fence.key, token: fence.token } }),
      // In the same script too: a quota check never misses a request in flight, nor counts one that ended.
      openKey: keys.openByUser(next.requester.userId),
      open: !isTerminal(next.status),
    });
    if (outcome === 'fenced') refuse(fence, next.id);
    return outcome === 'written';
  };

  const audit = (record: CloneRequestRecord, from: RequestStatus | 'new', actor: string | undefined) =>
    logger?.info(
      {
        audit: true,
        requestId: record.id,
        from,
        to: record.status,
        actor: actor ?? 'system',
        at: new Date(clock.now()).toISOString(),
        requester: record.requester.userId,
        text: record.text,
      },
      `request ${record.id}: ${from} -> ${record.status}`,
    );

  const transition = async (
    fence: WriteFence | undefined,
    ...[id, from, to, patch = {}, actor = undefined]: Parameters<RequestStore['transition']>
  ): Promise<TransitionResult> => {
    for (;;) {
      const current = await read(id);
      if (!current) return { ok: false, reason: 'not-found' };
      const { raw, record } = current;
      const now = clock.now();
      if (record.status === 'pending' && now >= record.expiresAt && to !== 'expired') {
        // A decision after the deadline changes nothing but the (lazily applied) expiry itself.
        const expired: CloneRequestRecord = { ...record, status: 'expired' };
        if (!(await write(fence, raw, record, expired))) continue;
        audit(expired, 'pending', 'expiry');
        return { ok: false, record: expired, reason: 'expired' };
      }
      if (!from.includes(record.status)) return { ok: false, record, reason: 'wrong-status' };
      const next: CloneRequestRecord = mergeFields(record, patch, { status: to });
      if (!(await write(fence, raw, record, next))) continue;
      audit(next, record.status, actor ?? patch.decidedBy ?? patch.cancelledBy);
      return { ok: true, record: next, previous: record.status };
    }
  };

  const update = async (
    fence: WriteFence | undefined,
    id: string,
    patch: RecordPatch,
  ): Promise<CloneRequestRecord | undefined> => {
    for (;;) {
      const current = await read(id);
      if (!current) return undefined;
      // The status is never part of a patch, so a late checkpoint cannot resurrect a finished request.
      const next: CloneRequestRecord = mergeFields(current.record, patch, { status: current.record.status });
      if (await write(fence, current.raw, current.record, next)) return next;
    }
  };

  const cancel = async (fence: WriteFence | undefined, id: string, by: string) => {
    const result = await transition(
      fence,
      id,
      statusesAllowing('cancel'),
      targetOf('cancel'),
      { cancelledBy: by },
      by,
    );
    if (result.ok) await redis.publish(keys.cancelChannel, id);
    return result;
  };

  const list = async (setKey: string, ids: string[]): Promise<CloneRequestRecord[]> => {
    if (ids.length === 0) return [];
    const raws = await redis.mget(...ids.map((id) => keys.record(id)));
    const gone = ids.filter((_, i) => raws[i] === null);
    // Index members outlive their TTL'd records; drop them as they are met.
    if (gone.length > 0) await redis.zrem(setKey, ...gone);
    return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as CloneRequestRecord);
  };

  const expirePending = async (fence: WriteFence | undefined) => {
    const pending = await list(
      keys.byStatus('pending'),
      await redis.zrange(keys.byStatus('pending'), 0, '-1'),
    );
    const expired: CloneRequestRecord[] = [];
    for (const r of pending.filter((p) => clock.now() >= p.expiresAt)) {
      const t: TransitionResult = await transition(
        fence,
        r.id,
        statusesAllowing('expire'),
        targetOf('expire'),
        {},
        'expiry',
      );
      if (t.ok) expired.push(t.record);
    }
    return expired;
  };

  /** The methods no fence changes: every view of this store shares these very functions. */
  const unfenced = {
    async create(input: NewRequestInput) {
      const { approvalTtlMs: ttl, ...fields } = input;
      const now = clock.now();
      for (;;) {
        const record: CloneRequestRecord = {
          ...fields,
          id: newRequestId(),
          createdAt: now,
          expiresAt: now + (ttl ?? approvalTtlMs),
        };
        const created = await createRecord(redis, {
          recordKey: keys.record(record.id),
          statusKey: keys.byStatus(record.status),
          recentKey: keys.recent,
          userKey: keys.byUser(record.requester.userId),
          openKey: keys.openByUser(record.requester.userId),
          json: JSON.stringify(record),
          id: record.id,
          score: now,
          recentLimit,
          userLimit: userRecentLimit,
          pruneBefore: now - indexLifeMs(record.expiresAt - now),
          userKeyTtlMs: indexLifeMs(record.expiresAt - now),
        });
        if (!created) continue; // 40-bit id collision: draw again
        audit(record, 'new', record.requester.userId);
        return record;
      }
    },
    async get(id: string) {
      return (await read(id))?.record;
    },
    async listRecent(limit: number) {
      return list(keys.recent, await redis.zrevrange(keys.recent, 0, limit - 1));
    },
    async listByStatus(status: RequestStatus) {
      return list(keys.byStatus(status), await redis.zrange(keys.byStatus(status), 0, '-1'));
    },
    async listByUser(userId: string, limit: number) {
      return list(keys.byUser(userId), await redis.zrevrange(keys.byUser(userId), 0, limit - 1));
    },
    async listOpenByUser(userId: string) {
      const key = keys.openByUser(userId);
      const open = await list(key, await redis.zrange(key, 0, '-1'));
      return open.filter((r) => !isTerminal(r.status));
    },
    async listUndelivered(before: number, limit = 100, offset = 0) {
      const ids = await redis.zrangebyscore(keys.undelivered, '-inf', before, 'LIMIT', offset, limit);
      const records = await list(keys.undelivered, ids);
      return records.filter(
        (r) => r.result !== undefined && r.resultDelivered !== true && r.deliveryAbandoned === undefined,
      );
    },
    async claimDelivery(id: string, before: number) {
      return claimUndelivered(redis, keys.undelivered, id, before, clock.now());
    },
  } satisfies Partial<RequestStore>;

  const fenced = (f: WriteFence): FencedStore => view(f);
  /** The store as seen through `fence` (none: the plain store); only these closures are per view. */
  const view = (fence: WriteFence | undefined): FencedStore =>
    mergeFields(unfenced, {
      fenced,
      async confirm(id) {
        if (fence !== undefined && !(await holdsFence(redis, fence))) refuse(fence, id);
      },
      transition: (id, from, to, patch, actor) => transition(fence, id, from, to, patch, actor),
      update: (id, patch) => update(fence, id, patch),
      cancel: (id, by) => cancel(fence, id, by),
      expirePending: () => expirePending(fence),
    } satisfies Omit<FencedStore, keyof typeof unfenced>);
  return { store: view(undefined) };
}
