import type { Clock } from '../../../src/clock.ts';

/** A clock that moves only when the test says so; sleepers wake when their time is reached. */
export class ManualClock implements Clock {
  private sleepers: { at: number; resolve: () => void }[] = [];

  constructor(private time = Date.UTC(2026, 0, 15, 9, 0, 0)) {}

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleepers.push({ at: this.time + ms, resolve });
    });
  }

  advance(ms: number): void {
    this.time += ms;
    const due = this.sleepers.filter((s) => s.at <= this.time);
    this.sleepers = this.sleepers.filter((s) => s.at > this.time);
    for (const s of due) s.resolve();
  }

  /** Sleepers not yet woken. */
  get waiting(): number {
    return this.sleepers.length;
  }
}
