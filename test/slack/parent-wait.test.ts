import { describe, expect, it } from 'vitest';
import { parentWaitMs } from '../../src/slack/delivery-outbox.ts';

describe('parentWaitMs (a request-message edit parked for budget room)', () => {
  it('doubles from 3 s and stops at 1 min', () => {
    const mid = () => 0.5; // no jitter
    expect([0, 1, 2, 3, 4, 5, 6, 40].map((w) => parentWaitMs(w, mid))).toEqual([
      3000, 6000, 12_000, 24_000, 48_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('spreads parked edits over ±25 % so a burst of them does not come back together', () => {
    expect(parentWaitMs(0, () => 0)).toBe(2250);
    expect(parentWaitMs(0, () => 0.999_999)).toBe(3750);
    expect(parentWaitMs(10, () => 0)).toBe(45_000);
  });
});
