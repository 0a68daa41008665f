import type { Redis } from 'ioredis';

// The record stays plain JSON written by Node: Lua only compares and swaps whole strings, because cjson
// re-encoding would turn empty arrays into objects and round large numbers.
// KEYS[5], when given, fences the write: it is refused (-2) unless that key holds ARGV[9] (a BullMQ job's
// lock and this worker's token), so a worker that lost its job can never overwrite its successor's progress.
// KEYS[6], the requester's open index, holds the request while ARGV[10] is '1' (its status has not ended).
// A record that already is the new JSON is this very write, sent again: a Redis that died after running it
// and before answering, and ioredis resending it on its next connection. It is answered as written (its
// index changes were made with it), not as a conflict that would make the caller think it lost a race.
const CAS = `
if KEYS[5] ~= '' and redis.call('GET', KEYS[5]) ~= ARGV[9] then return -2 end
local cur = redis.call('GET', KEYS[1])
if not cur then return -1 end
if cur == ARGV[2] and cur ~= ARGV[1] then return 1 end
if cur ~= ARGV[1] then return 0 end
if tonumber(ARGV[5]) > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[5])
else
  redis.call('SET', KEYS[1], ARGV[2])
end
if KEYS[2] ~= KEYS[3] then
  redis.call('ZREM', KEYS[2], ARGV[3])
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
  if tonumber(ARGV[6]) > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[6]) end
end
if ARGV[7] == '1' then
  redis.call('ZADD', KEYS[4], 'NX', ARGV[8], ARGV[3])
else
  redis.call('ZREM', KEYS[4], ARGV[3])
end
if ARGV[10] == '1' then
  redis.call('ZADD', KEYS[6], ARGV[4], ARGV[3])
else
  redis.call('ZREM', KEYS[6], ARGV[3])
end
return 1
`;

// Claims an undelivered result by moving its score to now: one caller wins, and if it dies the entry
// becomes eligible again once `now` is older than the next sweeper's cut-off.
const CLAIM = `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not s or tonumber(s) > tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', ARGV[3], ARGV[1])
return 1
`;

// A record already there with this very JSON is this create, sent again after a lost reply (see CAS): the
// same id, request and times. Answered as created, or the caller would draw a new id and store it twice.
const CREATE = `
local cur = redis.call('GET', KEYS[1])
if cur then
  if cur == ARGV[1] then return 1 end
  return 0
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[2])
for i, limit in ipairs({ARGV[4], ARGV[5]}) do
  local key = KEYS[i + 2]
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. ARGV[6])
  redis.call('ZREMRANGEBYRANK', key, 0, -tonumber(limit) - 1)
end
redis.call('PEXPIRE', KEYS[4], ARGV[7])
redis.call('ZADD', KEYS[5], ARGV[3], ARGV[2])
return 1
`;

/** Arguments of casRecord. */
export interface CasArgs {
  recordKey: string;
  oldStatusKey: string;
  newStatusKey: string;
  expected: string;
  next: string;
  id: string;
  score: number;
  /** > 0: expire the record after this many seconds (terminal records). */
  ttlSeconds: number;
  /** > 0: drop index members of the new status set scored (created) before this time. */
  pruneBefore: number;
  /** The index of results saved but not yet delivered. */
  undeliveredKey: string;
  /** The new record has a result not yet delivered: index it (keeping an existing score), else unindex it. */
  undelivered: boolean;
  /** Clock ms: the score of a newly indexed undelivered result. */
  now: number;
  /** Write only while `key` holds `token` (a job's lock). */
  fence?: { key: string; token: string };
  /** The requester's index of requests not yet ended, and whether the new record belongs in it. */
  openKey: string;
  open: boolean;
}

/** How casRecord ended: written, changed meanwhile (retry), record gone, or refused by the fence. */
export type CasOutcome = 'written' | 'conflict' | 'absent' | 'fenced';

/** Replaces a record only if it is still `expected` (and the fence holds), moving it between status indexes. */
export async function casRecord(redis: Redis, a: CasArgs): Promise<CasOutcome> {
  const r = await redis.eval(
    CAS,
    6,
    a.recordKey,
    a.oldStatusKey,
    a.newStatusKey,
    a.undeliveredKey,
    a.fence?.key ?? '',
    a.openKey,
    a.expected,
    a.next,
    a.id,
    a.score,
    a.ttlSeconds,
    a.pruneBefore,
    a.undelivered ? '1' : '0',
    a.now,
    a.fence?.token ?? '',
    a.open ? '1' : '0',
  );
  if (r === 1) return 'written';
  if (r === -2) return 'fenced';
  return r === -1 ? 'absent' : 'conflict';
}

const HOLDS = `return redis.call('GET', KEYS[1]) == ARGV[1] and 1 or 0`;

/** Whether `fence.key` still holds `fence.token` (the job's lock is still this worker's). */
export async function holdsFence(redis: Redis, fence: { key: string; token: string }): Promise<boolean> {
  return (await redis.eval(HOLDS, 1, fence.key, fence.token)) === 1;
}

/** Moves `id`'s undelivered score to `now` if it is at most `before`; false when absent or claimed since. */
export async function claimUndelivered(
  redis: Redis,
  undeliveredKey: string,
  id: string,
  before: number,
  now: number,
): Promise<boolean> {
  return (await redis.eval(CLAIM, 1, undeliveredKey, id, before, now)) === 1;
}

/** Arguments of createRecord. */
export interface CreateArgs {
  recordKey: string;
  statusKey: string;
  recentKey: string;
  userKey: string;
  /** The requester's index of requests not yet ended (a new request has not): never trimmed, never expired. */
  openKey: string;
  json: string;
  id: string;
  score: number;
  /** The recent index keeps this many newest ids; the user's index keeps `userLimit`. */
  recentLimit: number;
  userLimit: number;
  /** Index members scored (created) before this are dropped: no record of theirs can still exist. */
  pruneBefore: number;
  /** The user's index expires after this long without a new request (ms). */
  userKeyTtlMs: number;
}

/**
 * Stores a new record and its index entries at once, trimming the recent and per-user indexes in the same
 * script (they were unbounded); false when the id already exists.
 */
export async function createRecord(redis: Redis, a: CreateArgs): Promise<boolean> {
  const r = await redis.eval(
    CREATE,
    5,
    a.recordKey,
    a.statusKey,
    a.recentKey,
    a.userKey,
    a.openKey,
    a.json,
    a.id,
    a.score,
    a.recentLimit,
    a.userLimit,
    a.pruneBefore,
    a.userKeyTtlMs,
  );
  return r === 1;
}
