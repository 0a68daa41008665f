import type { ApiCall } from './types.ts';

/** Default time a test waits for something to happen (real ms). */
export const DEFAULT_WAIT_MS = 5000;

/** The Web API calls the fake answered, and waiting on them (or on any change) without polling. */
export class CallLog {
  private list: ApiCall[] = [];
  private readonly listeners = new Set<() => void>();

  add(call: ApiCall): void {
    this.list.push(call);
    this.changed();
  }

  /** Every call so far, oldest first. */
  all(method?: string): ApiCall[] {
    return method === undefined ? [...this.list] : this.list.filter((c) => c.method === method);
  }

  /** Wakes every waiter; the fake calls it on each change of its state too. */
  changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /**
   * Resolves with the first call of `method` (already made or still to come) that `predicate` accepts;
   * rejects after `timeoutMs` listing the calls that were made, which is what a failing test needs to see.
   */
  waitForCall(
    method: string,
    predicate: (call: ApiCall) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<ApiCall> {
    return this.waitUntil(
      () => this.list.find((c) => c.method === method && predicate(c)),
      timeoutMs,
      () => `no matching ${method} call; calls: ${this.list.map((c) => c.method).join(', ') || 'none'}`,
    );
  }

  /** Resolves with `probe()`'s first truthy result, probing now and after every change. */
  waitUntil<T>(
    probe: () => T | undefined | null | false,
    timeoutMs = DEFAULT_WAIT_MS,
    describe: () => string = () => 'condition not met',
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        let result: T | undefined | null | false;
        try {
          result = probe();
        } catch (error) {
          finish();
          reject(error);
          return;
        }
        if (result !== undefined && result !== null && result !== false) {
          finish();
          resolve(result);
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms: ${describe()}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  reset(): void {
    this.list = [];
  }
}
