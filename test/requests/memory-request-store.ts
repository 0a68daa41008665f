import type { Clock } from '../../src/clock.ts';
import {
  type CloneRequestRecord,
  type RequestStatus,
  type RequestStore,
  TERMINAL_STATUSES,
  type TransitionResult,
} from '../../src/requests/types.ts';

/** An in-memory RequestStore with the Redis store's rules (atomic moves, lazy expiry), for unit tests. */
export interface MemoryRequestStore extends RequestStore {
  /** Ids whose cancel was published to the workers, in order. */
  cancelsPublished: string[];
  /** Every status change, in order. */
  moves: { id: string; from: RequestStatus; to: RequestStatus; actor: string }[];
}

export function memoryRequestStore(clock: Clock, approvalTtlMs = 86_400_000): MemoryRequestStore {
  const records = new Map<string, CloneRequestRecord>();
  const cancelsPublished: string[] = [];
  const moves: MemoryRequestStore['moves'] = [];
  let n = 0;
  const copy = (r: CloneRequestRecord): CloneRequestRecord => structuredClone(r);
  const transition: RequestStore['transition'] = async (id, from, to, patch = {}, actor) => {
    const record = records.get(id);
    if (!record) return { ok: false, reason: 'not-found' };
    if (record.status === 'pending' && clock.now() >= record.expiresAt && to !== 'expired') {
      record.status = 'expired';
      moves.push({ id, from: 'pending', to: 'expired', actor: 'expiry' });
      return { ok: false, record: copy(record), reason: 'expired' };
    }
    if (!from.includes(record.status)) return { ok: false, record: copy(record), reason: 'wrong-status' };
    const previous = record.status;
    const next = { ...record, ...structuredClone(patch), status: to };
    records.set(id, next);
    moves.push({ id, from: previous, to, actor: actor ?? patch.decidedBy ?? 'system' });
    return { ok: true, record: copy(next), previous };
  };
  const all = () => [...records.values()].sort((a, b) => a.createdAt - b.createdAt);
  return {
    cancelsPublished,
    moves,
    fenced() {
      // Fencing checks a Redis lock key; the bot-side tests that use this store never fence.
      throw new Error('memoryRequestStore: fenced writes need Redis (use createRequestStore)');
    },
    async create(input) {
      const { approvalTtlMs: ttl, ...fields } = input;
      n += 1;
      const id = `cr-${String(n).padStart(8, '0')}`;
      const record: CloneRequestRecord = {
        ...structuredClone(fields),
        id,
        createdAt: clock.now(),
        expiresAt: clock.now() + (ttl ?? approvalTtlMs),
      };
      records.set(id, record);
      return copy(record);
    },
    async get(id) {
      const r = records.get(id);
      return r && copy(r);
    },
    transition,
    async update(id, patch) {
      const r = records.get(id);
      if (!r) return undefined;
      const next = { ...r, ...structuredClone(patch), status: r.status };
      records.set(id, next);
      return copy(next);
    },
    async cancel(id, by) {
      const t: TransitionResult = await transition(
        id,
        ['pending', 'approved', 'cloning'],
        'cancelled',
        { cancelledBy: by },
        by,
      );
      if (t.ok) cancelsPublished.push(id);
      return t;
    },
    async expirePending() {
      const out: CloneRequestRecord[] = [];
      for (const r of all().filter((p) => p.status === 'pending' && clock.now() >= p.expiresAt)) {
        const t = await transition(r.id, ['pending'], 'expired', {}, 'expiry');
        if (t.ok) out.push(t.record);
      }
      return out;
    },
    async listRecent(limit) {
      return all().reverse().slice(0, limit).map(copy);
    },
    async listByStatus(status) {
      return all()
        .filter((r) => r.status === status)
        .map(copy);
    },
    async listByUser(userId, limit) {
      return all()
        .reverse()
        .filter((r) => r.requester.userId === userId)
        .slice(0, limit)
        .map(copy);
    },
    async listOpenByUser(userId) {
      return all()
        .filter((r) => r.requester.userId === userId && !TERMINAL_STATUSES.includes(r.status))
        .map(copy);
    },
    async listUndelivered(before, limit = 100, offset = 0) {
      return all()
        .filter((r) => r.result !== undefined && !r.resultDelivered && r.deliveryAbandoned === undefined)
        .filter((r) => r.createdAt <= before)
        .slice(offset, offset + limit)
        .map(copy);
    },
    async claimDelivery() {
      return true;
    },
  };
}
