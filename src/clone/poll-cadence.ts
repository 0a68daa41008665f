/** The poll timing of a clone being followed (clock ms). */
export interface PollCadenceLimits {
  /** Interval while an end may be near: the first seconds, the predicted end of a copy, finishing, cancel. */
  fastMs: number;
  /** Ceiling of the backoff (never above PROGRESS_INTERVAL_SECONDS, so progress stays on time). */
  slowMs: number;
  /** How long after the start to poll fast. */
  fastForMs: number;
  /** Growth of the interval per poll once the fast stretch is over. */
  factor: number;
}

/** The defaults: 1 s for the first 10 s, then ×1.5 per poll up to 5 s, both capped by `ceilingMs`. */
export function defaultPollCadence(ceilingMs: number): PollCadenceLimits {
  const slowMs = Math.min(5000, ceilingMs);
  return { fastMs: Math.min(1000, slowMs), slowMs, fastForMs: 10_000, factor: 1.5 };
}

/**
 * When one clone wants its next poll. Why adaptive: a clone ends either within seconds (a linked clone, a
 * small disk: polled fast from the start) or when its copy ends, which the task log predicts (polled fast
 * around that moment, and while finishing or cancelling). In between, a long copy is polled ever less
 * often up to the ceiling: nothing can end there that the log does not announce, and progress is reported
 * on its own schedule. The task status stays the only completion signal; this only times the reads.
 */
export class PollCadence {
  private fastUntil: number;

  constructor(
    readonly limits: PollCadenceLimits,
    startedAt: number,
  ) {
    this.fastUntil = startedAt + limits.fastForMs;
  }

  /** Polls fast until `until` at least, then backs off again from the fast interval. */
  holdFastUntil(until: number): void {
    if (until > this.fastUntil) this.fastUntil = until;
  }

  /**
   * The interval wanted after a poll at `at`. The backoff is written in time, not in polls, so that the
   * extra snapshots another clone's polls deliver do not change it: after the fast stretch, interval
   * = fast + (factor − 1) × time since, which is exactly ×factor per poll when polled at this interval.
   */
  intervalAt(at: number): number {
    const { fastMs, slowMs, factor } = this.limits;
    if (at <= this.fastUntil) return fastMs;
    return Math.min(slowMs, fastMs + (factor - 1) * (at - this.fastUntil));
  }
}
