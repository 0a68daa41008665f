import type { Clock } from '../../clock.ts';
import type { ClonePlan } from './check-clone-request.ts';
import { progressLine } from './format-bytes.ts';
import type { CloneFault } from './sim-faults.ts';
import type { SimState } from './sim-state.ts';
import { LockTimeoutError, type StorageLocks } from './storage-locks.ts';
import type { PveVersion } from './types.ts';

/** What the clone worker runs with. */
export interface CloneWorkerContext {
  state: SimState;
  clock: Clock;
  locks: StorageLocks;
  copyBytesPerSecond: number;
  storageLockTimeoutMs: number;
  /** How long creating one volume takes while holding the storage lock (simulated ms). */
  storageAllocMs: number;
  /** How long freeing one volume takes in a failed clone's cleanup (simulated ms). */
  volumeFreeMs: number;
  /** The release line played (the clone log differs a little). */
  pveVersion: PveVersion;
  /** Aborted when the simulator closes. */
  closing: AbortSignal;
}

/**
 * Allocates one new volume under the storage lock, as `PVE::Storage::vdisk_alloc` / `vdisk_clone` do
 * (pve-storage `src/PVE/Storage.pm`, via `cluster_lock_storage` in `src/PVE/Storage/Plugin.pm`): the lock is
 * exclusive and held only while the volume is created, never during the copy. A node-local storage's lock is a
 * file (`lock_file`, 10 s: `can't lock file '/var/lock/pve-manager/pve-storage-<id>' - got timeout`); a shared
 * storage's is a cluster lock (`cfs_lock_storage`: `cfs-lock 'storage-<id>' error: got lock request timeout`).
 * So parallel clones to one storage only time out when allocation itself is slow.
 */
export async function allocateLocked(
  ctx: CloneWorkerContext,
  plan: ClonePlan,
  storage: string,
  forced: Extract<CloneFault, { kind: 'lock-timeout' }> | undefined,
  signal: AbortSignal,
  allocate: () => void,
): Promise<void> {
  const shared = ctx.state.storages.get(storage)?.shared === true;
  const message = shared
    ? `cfs-lock 'storage-${storage}' error: got lock request timeout`
    : `can't lock file '/var/lock/pve-manager/pve-storage-${storage}' - got timeout`;
  if (forced && (forced.storage === undefined || forced.storage === storage)) {
    await ctx.clock.sleep(ctx.storageLockTimeoutMs, signal);
    throw new Error(message);
  }
  const key = shared ? storage : `${storage}@${plan.node}`;
  let release: () => void;
  try {
    release = await ctx.locks.acquire(key, ctx.storageLockTimeoutMs, signal);
  } catch (err) {
    if (err instanceof LockTimeoutError) throw new Error(message);
    throw err;
  }
  try {
    await ctx.clock.sleep(ctx.storageAllocMs, signal);
    allocate();
  } finally {
    release();
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
