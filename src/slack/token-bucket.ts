import type { Clock } from '../clock.ts';

/** A refilling budget of calls, shared by every clone in one process. */
export interface TokenBucket {
  /** Takes a token when one is available; false means "over budget, skip this one". */
  tryTake(): boolean;
  /** Takes a token even when none is left (a must-send call), so optional calls back off afterwards. */
  take(): void;
  /** Tokens available now (may be negative after `take`). */
  available(): number;
}

/**
 * A token bucket holding `capacity` tokens, refilled at `perMinute` tokens per minute of `clock` time.
 * Sized under chat.update's Tier 3 limit (~50/min per workspace) it keeps progress edits from ever being
 * rate-limited by Slack in steady state.
 */
export function createTokenBucket(opts: { capacity: number; perMinute: number; clock: Clock }): TokenBucket {
  const { capacity, perMinute, clock } = opts;
  let tokens = capacity;
  let last = clock.now();
  const refill = () => {
    const now = clock.now();
    tokens = Math.min(capacity, tokens + ((now - last) / 60_000) * perMinute);
    last = now;
  };
  return {
    tryTake() {
      refill();
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    take() {
      refill();
      tokens -= 1;
    },
    available() {
      refill();
      return tokens;
    },
  };
}
