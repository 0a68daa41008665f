import { describe, expect, it } from 'vitest';
import { defaultPollCadence, PollCadence } from '../../src/clone/poll-cadence.ts';

/** The poll times a clone started at 0 asks for, polled exactly when it asks, until `until`. */
function pollTimes(cadence: PollCadence, until: number): number[] {
  const times: number[] = [];
  for (let t = 0; t <= until; t += cadence.intervalAt(t)) times.push(t);
  return times;
}

describe('poll cadence', () => {
  it('defaults: 1 s, 5 s ceiling, fast for 10 s, ×1.5; never above the progress interval', () => {
    expect(defaultPollCadence(30_000)).toEqual({
      fastMs: 1000,
      slowMs: 5000,
      fastForMs: 10_000,
      factor: 1.5,
    });
    expect(defaultPollCadence(3000)).toMatchObject({ fastMs: 1000, slowMs: 3000 });
    expect(defaultPollCadence(500)).toMatchObject({ fastMs: 500, slowMs: 500 });
  });

  it('polls every second for the first 10 s, then backs off ×1.5 per poll up to the ceiling', () => {
    const times = pollTimes(new PollCadence(defaultPollCadence(30_000), 0), 40_000);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(times.slice(0, 11)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000]);
    expect(gaps.slice(10, 15)).toEqual([1000, 1500, 2250, 3375, 5000]);
    expect(gaps.slice(15)).toEqual(Array(gaps.length - 15).fill(5000));
  });

  it('holds fast until a given time (a predicted copy end), then backs off again from fast', () => {
    const cadence = new PollCadence(defaultPollCadence(30_000), 0);
    expect(cadence.intervalAt(60_000)).toBe(5000);
    cadence.holdFastUntil(70_000);
    expect(cadence.intervalAt(60_000)).toBe(1000);
    expect(cadence.intervalAt(70_000)).toBe(1000);
    expect(cadence.intervalAt(71_000)).toBe(1500);
    expect(cadence.intervalAt(90_000)).toBe(5000);
    // An earlier hold does not shorten a later one.
    cadence.holdFastUntil(65_000);
    expect(cadence.intervalAt(69_000)).toBe(1000);
  });
});
