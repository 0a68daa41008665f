import type { EngineContext } from './engine-context.ts';

/**
 * A fresh VMID from /cluster/nextid. nextid reserves nothing, so concurrent clones in this process would all
 * get the same id and all but one fail: ids handed out here and not yet claimed by a clone POST are skipped
 * (each skip checked with nextid?vmid=N). Other processes can still race; the caller retries on a clash.
 */
export async function allocateVmid(ctx: EngineContext): Promise<number> {
  let id = await ctx.proxmox.nextVmid();
  for (let tries = 0; ctx.pendingVmids.has(id) && tries < 20; tries++) {
    do id++;
    while (ctx.pendingVmids.has(id));
    if (!(await ctx.proxmox.isVmidFree(id))) id = await ctx.proxmox.nextVmid();
  }
  ctx.pendingVmids.add(id);
  return id;
}
