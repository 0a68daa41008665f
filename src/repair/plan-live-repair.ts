import { evaluateTemplateHealth } from '../core/health-rules.ts';
import type { HealthReport } from '../core/health-types.ts';
import { planRepair } from '../core/repair-plan.ts';
import type { RepairPlanResult } from '../core/repair-types.ts';
import { collectHealthInput } from '../health/collect-health-input.ts';
import type { LockSinceStore } from '../health/lock-since-store.ts';
import { memoryLockSinceStore } from '../health/lock-since-store.ts';
import type { ProxmoxClient } from '../proxmox/types.ts';

/** What a live plan reads the cluster with. */
export interface LiveRepairDeps {
  proxmox: ProxmoxClient;
  now: number;
  lockStuckMs: number;
  templateNodeIds?: ReadonlyMap<string, number> | undefined;
  lockSince?: LockSinceStore;
}

/** The cluster as the health check sees it right now, evaluated, plus every VM (who holds which VMID). */
export async function readRepairState(deps: LiveRepairDeps) {
  const [{ input }, vms] = await Promise.all([
    collectHealthInput(deps.proxmox, {
      templateNodeIds: deps.templateNodeIds,
      lockSince: deps.lockSince ?? memoryLockSinceStore(),
      now: deps.now,
      lockStuckMs: deps.lockStuckMs,
    }),
    deps.proxmox.listClusterVms(),
  ]);
  const report: HealthReport = evaluateTemplateHealth(input, deps.now);
  const repairVms = vms.map((v) => ({
    vmid: v.vmid,
    node: v.node,
    template: v.template,
    ...(v.name === undefined ? {} : { name: v.name }),
    ...(v.lock === undefined ? {} : { lock: v.lock }),
  }));
  return { health: input, report, vms: repairVms };
}

/** Plans the repair of base `base` on `node` from the live cluster (the same rules the health report uses). */
export async function planLiveRepair(
  deps: LiveRepairDeps,
  base: number,
  node: string,
  confirmReplace?: number,
): Promise<RepairPlanResult> {
  const state = await readRepairState(deps);
  return planRepair({ base, node, ...state, ...(confirmReplace === undefined ? {} : { confirmReplace }) });
}
