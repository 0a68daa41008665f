import type { Clock } from '../clock.ts';

/** A budget of Slack calls: in this process (createTokenBucket) or shared through Redis (createSharedTokenBucket). */
export interface CallBudget {
  /** Takes a token when one is available and no pause is on; false means "over budget, skip this one". */
  tryTake(): boolean | Promise<boolean>;
  /** Takes a token even when none is left (a must-send call), so optional calls back off afterwards. */
  take(): void | Promise<void>;
  /** Slack answered 429 with Retry-After: no `tryTake` succeeds for `ms`. */
  pause(ms: number): void | Promise<void>;
}

/** A refilling budget of calls, shared by every clone in one process. */
export interface TokenBucket extends CallBudget {
  tryTake(): boolean;
  take(): void;
  pause(ms: number): void;
  /** Tokens available now (may be negative after `take`). */
  available(): number;
}

/**
 * A token bucket holding `capacity` tokens, refilled at `perMinute` tokens per minute of `clock` time.
 * Only right for one process: Slack's chat.update limit is per workspace, so several workers need the shared one.
 */
export function createTokenBucket(opts: { capacity: number; perMinute: number; clock: Clock }): TokenBucket {
  const { capacity, perMinute, clock } = opts;
  let tokens = capacity;
  let last = clock.now();
  let pausedUntil = 0;
  const refill = () => {
    const now = clock.now();
    tokens = Math.min(capacity, tokens + ((now - last) / 60_000) * perMinute);
    last = now;
  };
  return {
    tryTake() {
      refill();
      if (tokens < 1 || clock.now() < pausedUntil) return false;
      tokens -= 1;
      return true;
    },
    take() {
      refill();
      tokens -= 1;
    },
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, clock.now() + ms);
    },
    available() {
      refill();
      return tokens;
    },
  };
}
