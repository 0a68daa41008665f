import type { Redis } from 'ioredis';
import type { CallBudget } from './token-bucket.ts';

// One atomic step: refill by the real time elapsed since the last step (Redis's own TIME, so workers on
// hosts with skewed clocks agree), then try / take / pause. Tokens are fractional, stored as strings.
const STEP = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local capacity = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2])
local mode = ARGV[3]
local s = redis.call('HMGET', KEYS[1], 'tokens', 'at', 'until')
local tokens = tonumber(s[1]) or capacity
local at = tonumber(s[2]) or now
local paused = tonumber(s[3]) or 0
if now > at then
  tokens = math.min(capacity, tokens + (now - at) * perMs)
  at = now
end
local ok = 0
if mode == 'pause' then
  paused = math.max(paused, now + tonumber(ARGV[4]))
  ok = 1
elseif mode == 'take' then
  tokens = tokens - 1
  ok = 1
elseif mode == 'try' and now >= paused and tokens >= 1 then
  tokens = tokens - 1
  ok = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at), 'until', tostring(paused))
local idle = math.ceil((capacity - tokens) / perMs)
redis.call('PEXPIRE', KEYS[1], math.max(idle, paused - now) + 60000)
return { ok, tostring(tokens) }
`;

/** A CallBudget whose state lives in Redis, plus a look at the tokens left (for tests and debugging). */
export interface SharedTokenBucket extends CallBudget {
  tryTake(): Promise<boolean>;
  take(): Promise<void>;
  pause(ms: number): Promise<void>;
  /** Tokens available now (may be negative after `take`). */
  available(): Promise<number>;
}

/**
 * A token bucket in Redis under `key`, holding `capacity` tokens refilled at `perMinute` per real minute,
 * shared by every process using the same key: Slack's chat.update limit (~50/min) is per app per workspace,
 * so three workers with a bucket each would together send three times the budget and meet 429s.
 */
export function createSharedTokenBucket(opts: {
  redis: Redis;
  key: string;
  capacity: number;
  perMinute: number;
}): SharedTokenBucket {
  const { redis, key, capacity } = opts;
  const perMs = opts.perMinute / 60_000;
  const step = async (mode: 'try' | 'take' | 'pause' | 'peek', pauseMs = 0) => {
    const [ok, tokens] = (await redis.eval(STEP, 1, key, capacity, perMs, mode, pauseMs)) as [number, string];
    return { ok: ok === 1, tokens: Number(tokens) };
  };
  return {
    async tryTake() {
      return (await step('try')).ok;
    },
    async take() {
      await step('take');
    },
    async pause(ms) {
      await step('pause', Math.max(0, Math.round(ms)));
    },
    async available() {
      return (await step('peek')).tokens;
    },
  };
}
