/**
 * Time as the program sees it. Everything that waits or timestamps takes a Clock, so tests and the demo
 * run "five-minute" clones in a second with the simulator and the engine on the same scaled time.
 */
export interface Clock {
  /** Milliseconds since the epoch, in this clock's time. */
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Wall-clock time. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: realSleep,
};

/**
 * A clock running `scale` times faster than real time, starting at the real current time:
 * with scale 300 a five-minute clone takes one real second. Share one instance between the
 * simulator and the code under test so both see the same time.
 */
export function scaledClock(scale: number, start = Date.now()): Clock {
  if (!(scale > 0)) throw new Error(`clock scale must be positive (got ${scale})`);
  const realStart = Date.now();
  return {
    now: () => start + (Date.now() - realStart) * scale,
    sleep: (ms, signal) => realSleep(ms / scale, signal),
  };
}
