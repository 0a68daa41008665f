import { type Clock, scaledClock } from '../../../src/clock.ts';

/** A scaled clock a test can also jump forward (for expiry and lag), without waiting. */
export interface JumpClock extends Clock {
  advance(ms: number): void;
}

/** scaledClock(scale) plus an offset that `advance` moves; sleeps already running are not shortened. */
export function jumpClock(scale: number): JumpClock {
  const inner = scaledClock(scale);
  let offset = 0;
  return {
    now: () => inner.now() + offset,
    sleep: (ms, signal) => inner.sleep(ms, signal),
    advance: (ms) => {
      offset += ms;
    },
  };
}
