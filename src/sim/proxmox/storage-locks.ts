import type { Clock } from '../../clock.ts';

/** Thrown when a storage lock is not had within the timeout. */
export class LockTimeoutError extends Error {}

/**
 * The per-storage lock (`/var/lock/pve-manager/pve-storage-<id>`, or pmxcfs's `storage-<id>` for shared
 * storage) that volume allocation holds. Up to `concurrency` holders at once (Proxmox: 1); the next one waits
 * `timeoutMs` of simulated time, then times out.
 */
export class StorageLocks {
  private readonly holders = new Map<string, number>();
  private readonly waiters = new Map<string, (() => void)[]>();

  constructor(
    private readonly clock: Clock,
    private readonly concurrency: number,
  ) {}

  /** Resolves with a release function, or rejects with LockTimeoutError (or the signal's reason). */
  async acquire(key: string, timeoutMs: number, signal: AbortSignal): Promise<() => void> {
    if ((this.holders.get(key) ?? 0) < this.concurrency) return this.take(key);
    const queue = this.waiters.get(key) ?? [];
    this.waiters.set(key, queue);
    const timer = new AbortController();
    const onAbort = () => timer.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let handed = false;
    let wake: () => void = () => {};
    const granted = new Promise<'granted'>((resolve) => {
      wake = () => {
        handed = true;
        resolve('granted');
      };
    });
    queue.push(wake);
    try {
      const outcome = await Promise.race([
        granted,
        this.clock.sleep(timeoutMs, timer.signal).then(() => 'timeout'),
      ]);
      if (outcome === 'granted' || handed) return this.release.bind(this, key, { done: false });
      throw new LockTimeoutError('got timeout');
    } catch (err) {
      const i = queue.indexOf(wake);
      if (i >= 0) queue.splice(i, 1);
      // A slot handed over while we were being aborted must go on to the next waiter.
      if (handed) this.release(key, { done: false });
      throw signal.aborted ? signal.reason : err;
    } finally {
      timer.abort();
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** How many hold the lock now. */
  held(key: string): number {
    return this.holders.get(key) ?? 0;
  }

  private take(key: string): () => void {
    this.holders.set(key, (this.holders.get(key) ?? 0) + 1);
    return this.release.bind(this, key, { done: false });
  }

  private release(key: string, state: { done: boolean }): void {
    if (state.done) return;
    state.done = true;
    const next = this.waiters.get(key)?.shift();
    // Hand the slot straight to the next waiter so a newcomer cannot overtake it.
    if (next) next();
    else this.holders.set(key, Math.max(0, (this.holders.get(key) ?? 1) - 1));
  }
}
