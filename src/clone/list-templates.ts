import { inspectDisks } from '../core/boot-disk.ts';
import type { EngineContext } from './engine-context.ts';
import { errorMessage } from './proxmox-error-facts.ts';
import type { TemplateSummary } from './types.ts';

/** The templates on a node with their boot disk and disk problems (one config read each), sorted by VMID. */
export async function listTemplates(ctx: EngineContext, node: string): Promise<TemplateSummary[]> {
  const vms = (await ctx.proxmox.listClusterVms()).filter((v) => v.template && v.node === node);
  const out = await Promise.all(
    vms.map(async (v): Promise<TemplateSummary> => {
      const summary: TemplateSummary = { vmid: v.vmid, node, problems: [] };
      if (v.name !== undefined) summary.name = v.name;
      try {
        const config = await ctx.proxmox.getVmConfig(node, v.vmid);
        const inspection = inspectDisks(config);
        if (inspection.bootDisk) summary.bootDisk = inspection.bootDisk.key;
        summary.problems = inspection.problems.map((p) => p.message);
        if (config.lock !== undefined) summary.problems.push(`locked (${String(config.lock)})`);
      } catch (error) {
        summary.problems.push(`config could not be read: ${errorMessage(error)}`);
      }
      return summary;
    }),
  );
  return out.sort((a, b) => a.vmid - b.vmid);
}
