import { findBootDisk } from '../core/boot-disk.ts';
import type { VmConfig } from '../proxmox/types.ts';
import type { EngineContext } from './engine-context.ts';
import { errorMessage } from './proxmox-error-facts.ts';

/** What the check of a finished clone found. */
export type CloneVerification =
  | { ok: true; bootDisk: string; node: string }
  | { ok: false; problem: 'missing-disk'; config: VmConfig | 'removed'; node: string }
  | { ok: false; problem: 'still-locked'; config: VmConfig; node: string; lock: string }
  | { ok: false; problem: 'unreadable'; message: string };

/**
 * After the task ended OK: waits (bounded) for the new VM's lock to clear, then reads its config on the
 * node it ended on (the target, when given) and checks it has a boot disk.
 */
export async function verifyClone(
  ctx: EngineContext,
  vm: { newVmid: number; node: string; target?: string },
): Promise<CloneVerification> {
  const deadline = ctx.clock.now() + ctx.lockClearTimeoutMs;
  const nodes = vm.target !== undefined && vm.target !== vm.node ? [vm.target, vm.node] : [vm.node];
  let last: CloneVerification = { ok: false, problem: 'unreadable', message: 'not read yet' };
  for (;;) {
    try {
      let found: { node: string; config: VmConfig } | undefined;
      for (const node of nodes) {
        const config = await ctx.proxmox.findVmConfig(node, vm.newVmid);
        if (config !== undefined) {
          found = { node, config };
          break;
        }
      }
      if (!found) {
        last = { ok: false, problem: 'missing-disk', config: 'removed', node: nodes[0] as string };
      } else if (found.config.lock !== undefined) {
        last = { ok: false, problem: 'still-locked', ...found, lock: String(found.config.lock) };
      } else {
        const disk = findBootDisk(found.config);
        return disk
          ? { ok: true, bootDisk: disk.key, node: found.node }
          : { ok: false, problem: 'missing-disk', ...found };
      }
    } catch (error) {
      last = { ok: false, problem: 'unreadable', message: errorMessage(error) };
    }
    if (ctx.clock.now() >= deadline) return last;
    // Proxmox drops the lock before the task ends, so a lock still there should go within moments.
    await ctx.clock.sleep(ctx.pollCadence.fastMs);
  }
}
