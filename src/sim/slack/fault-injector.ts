import type { Clock } from '../../clock.ts';
import type { Json, SlackFault } from './types.ts';

const MINUTE_MS = 60_000;

/** Queued faults per Web API method, and optional real per-minute rate limits (in Clock time). */
export class FaultInjector {
  private readonly queued = new Map<string, { fault: SlackFault; match?: (args: Json) => boolean }[]>();
  private readonly limits = new Map<string, { perMinute: number; calls: number[] }>();

  constructor(private readonly clock: Clock) {}

  /**
   * The next `times` calls of `method` meet `fault`, after any faults queued before; with `match`, only calls
   * whose arguments it accepts do (others pass it by), so a test can hold one call among concurrent ones.
   */
  inject(method: string, fault: SlackFault, times = 1, match?: (args: Json) => boolean): void {
    const list = this.queued.get(method) ?? [];
    for (let i = 0; i < times; i += 1) list.push(match ? { fault, match } : { fault });
    this.queued.set(method, list);
  }

  /** Takes the fault for this call of `method` with `args`, if one is queued for it. */
  take(method: string, args: Json = {}): SlackFault | undefined {
    const list = this.queued.get(method);
    const i = list?.findIndex((q) => q.match === undefined || q.match(args)) ?? -1;
    if (list === undefined || i < 0) return undefined;
    return list.splice(i, 1)[0]?.fault;
  }

  /** Faults still waiting for calls. */
  pending(method: string): number {
    return this.queued.get(method)?.length ?? 0;
  }

  /** Switches a sliding-window limit on (e.g. chat.update, 50) or off (undefined). */
  setRateLimit(method: string, perMinute: number | undefined): void {
    if (perMinute === undefined) this.limits.delete(method);
    else this.limits.set(method, { perMinute, calls: [] });
  }

  /** Counts this call; the seconds to wait when it is over the limit (the call is then not counted). */
  overLimit(method: string): number | undefined {
    const limit = this.limits.get(method);
    if (!limit) return undefined;
    const now = this.clock.now();
    limit.calls = limit.calls.filter((t) => now - t < MINUTE_MS);
    if (limit.calls.length < limit.perMinute) {
      limit.calls.push(now);
      return undefined;
    }
    const oldest = limit.calls[0] ?? now;
    return Math.max(1, Math.ceil((oldest + MINUTE_MS - now) / 1000));
  }

  reset(): void {
    this.queued.clear();
    for (const limit of this.limits.values()) limit.calls = [];
  }
}
