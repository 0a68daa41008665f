/** A place in the start phase; `release` is idempotent, so every exit path may call it. */
export interface StartPass {
  release(): void;
}

/** At most `limit` clones of this process between "check the template" and "the clone POST answered". */
export interface StartGate {
  enter(): Promise<StartPass>;
  /** Clones in the start phase now, and waiting for a place (for tests and metrics). */
  stats(): { inside: number; waiting: number };
}

/**
 * The start phase is a burst of reads, a POST and their garbage; following a started clone is cheap. A thousand
 * approvals arriving together otherwise all run it at once: pveproxy gets a thousand requests in a second and
 * the worker's heap grows to hold all their answers, memory the process keeps. Waiting clones queue in order;
 * a start takes well under a second, so the queue drains quickly and a followed clone is never held up.
 */
export function createStartGate(limit: number): StartGate {
  let inside = 0;
  const queue: (() => void)[] = [];
  const pass = (): StartPass => {
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        const next = queue.shift();
        if (next) next();
        else inside--;
      },
    };
  };
  return {
    enter() {
      if (inside < limit) {
        inside++;
        return Promise.resolve(pass());
      }
      return new Promise((resolve) => queue.push(() => resolve(pass())));
    },
    stats: () => ({ inside, waiting: queue.length }),
  };
}
