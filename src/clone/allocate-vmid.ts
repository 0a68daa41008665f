import type { EngineContext } from './engine-context.ts';

/**
 * A fresh VMID from /cluster/nextid. nextid reserves nothing, so concurrent clones in this process would all
 * get the same id and all but one fail: ids handed out here and not yet claimed by a clone POST are skipped
 * (each skip checked with nextid?vmid=N). Other processes can still race; the caller retries on a clash.
 */
export async function allocateVmid(ctx: EngineContext): Promise<number> {
  const first = await ctx.proxmox.nextVmid();
  let id = first;
  // nextid is the lowest free id: past a pending one, walk up rather than ask nextid again (same answer).
  for (let tries = 0; ctx.pendingVmids.has(first) && tries < 20; tries++) {
    do id++;
    while (ctx.pendingVmids.has(id));
    // Claimed before the check, so concurrent allocations check different ids instead of racing for one.
    ctx.pendingVmids.add(id);
    let free = false;
    try {
      free = await ctx.proxmox.isVmidFree(id);
    } finally {
      if (!free) ctx.pendingVmids.delete(id);
    }
    if (free) return id;
  }
  // nextid's own answer (also after too many taken ids: a clash then gets the clone retried with a fresh id).
  ctx.pendingVmids.add(first);
  return first;
}
