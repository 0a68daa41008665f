import type { Clock } from '../../src/clock.ts';

/** A Clock whose time moves only while everyone waits on it, and the count of calls it is waiting out. */
export interface SteppedClock extends Clock {
  /** Wraps `target` so that a pending promise from any of its methods holds the clock still. */
  hold<T extends object>(target: T): T;
  stop(): void;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Event-loop turns with nothing in flight before time moves: lets a woken sleeper reach its next call. */
const QUIET_TURNS = 5;

/**
 * Simulated time that advances to the earliest sleeper's deadline only when no held call is in flight:
 * a request to a simulator costs no simulated time however long a loaded machine takes to answer it, so
 * timings measured in clock time are the code's own, not the machine's.
 */
export function steppedClock(start = 1_750_000_000_000): SteppedClock {
  let now = start;
  let inFlight = 0;
  let stopped = false;
  const sleepers: { until: number; resolve: () => void }[] = [];

  void (async () => {
    let quiet = 0;
    while (!stopped) {
      await turn();
      if (inFlight > 0 || sleepers.length === 0) {
        quiet = 0;
        continue;
      }
      if (++quiet < QUIET_TURNS) continue;
      quiet = 0;
      now = Math.max(now, Math.min(...sleepers.map((s) => s.until)));
      for (const s of sleepers.filter((x) => x.until <= now)) {
        sleepers.splice(sleepers.indexOf(s), 1);
        s.resolve();
      }
    }
  })();

  return {
    now: () => now,
    sleep(ms, signal) {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const entry = { until: now + Math.max(0, ms), resolve };
        sleepers.push(entry);
        signal?.addEventListener(
          'abort',
          () => {
            const i = sleepers.indexOf(entry);
            if (i >= 0) sleepers.splice(i, 1);
            reject(signal.reason);
          },
          { once: true },
        );
      });
    },
    hold(target) {
      return new Proxy(target, {
        get(obj, key, receiver) {
          const value = Reflect.get(obj, key, receiver);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            const out = value.apply(obj, args);
            if (!(out instanceof Promise)) return out;
            inFlight += 1;
            return out.finally(() => {
              inFlight -= 1;
            });
          };
        },
      });
    },
    stop() {
      stopped = true;
    },
  };
}
