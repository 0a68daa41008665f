import type { Clock } from '../../clock.ts';
import type { ClonePlan } from './check-clone-request.ts';
import { progressLine } from './format-bytes.ts';
import type { CloneFault } from './sim-faults.ts';
import type { SimState } from './sim-state.ts';
import { LockTimeoutError, type StorageLocks } from './storage-locks.ts';

/** What the clone worker runs with. */
export interface CloneWorkerContext {
  state: SimState;
  clock: Clock;
  locks: StorageLocks;
  copyBytesPerSecond: number;
  storageLockTimeoutMs: number;
  /** Aborted when the simulator closes. */
  closing: AbortSignal;
}

/** Takes the storage lock for a full copy, or fails like Proxmox: `can't lock file … - got timeout`. */
export async function lockStorage(
  ctx: CloneWorkerContext,
  plan: ClonePlan,
  storage: string,
  forced: Extract<CloneFault, { kind: 'lock-timeout' }> | undefined,
  signal: AbortSignal,
): Promise<() => void> {
  const message = `can't lock file '/var/lock/pve-manager/pve-storage-${storage}' - got timeout`;
  if (forced && (forced.storage === undefined || forced.storage === storage)) {
    await ctx.clock.sleep(ctx.storageLockTimeoutMs, signal);
    throw new Error(message);
  }
  const key = ctx.state.storages.get(storage)?.shared ? storage : `${storage}@${plan.node}`;
  try {
    return await ctx.locks.acquire(key, ctx.storageLockTimeoutMs, signal);
  } catch (err) {
    if (err instanceof LockTimeoutError) throw new Error(message);
    throw err;
  }
}

/** Copies `total` bytes at the configured rate, logging about one progress line per percent. */
export async function copyWithProgress(
  ctx: CloneWorkerContext,
  total: number,
  log: (line: string) => void,
  failing: Extract<CloneFault, { kind: 'fail' }> | undefined,
  signal: AbortSignal,
): Promise<void> {
  const durationMs = (total / ctx.copyBytesPerSecond) * 1000;
  const start = ctx.clock.now();
  let lastPercent = -1;
  for (;;) {
    const fraction = durationMs <= 0 ? 1 : Math.min(1, (ctx.clock.now() - start) / durationMs);
    const done = Math.floor(total * fraction);
    const percent = Math.floor(fraction * 100);
    if (failing && percent >= failing.atPercent) throw new Error(failing.message);
    if (percent > lastPercent) {
      log(progressLine(done, total));
      lastPercent = percent;
    }
    if (fraction >= 1) return;
    await ctx.clock.sleep(Math.max(durationMs / 100, 1), signal);
  }
}
