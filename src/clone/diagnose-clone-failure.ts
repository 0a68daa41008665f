import { diagnose } from '../core/diagnose.ts';
import type { DiagnosisEvidence } from '../core/diagnosis-evidence.ts';
import type { Diagnosis } from '../core/types.ts';
import type { EngineContext } from './engine-context.ts';
import { volumeStorage } from './preflight.ts';
import { errorMessage } from './proxmox-error-facts.ts';

/** Where to look for evidence after a clone went wrong. */
export interface FailureScene {
  /** The node the template is on and the task ran on (a failed clone's config stays there). */
  node: string;
  templateVmid?: number;
  newVmid?: number;
  /** Read the new VM's config (or find it removed). */
  readNewVm: boolean;
  /** The storage the copy went to; default the request's, else the template boot disk's. */
  storage?: string;
}

/**
 * Collects the evidence of a failed clone, best effort (each read may fail without hiding the others):
 * the new VM's final config or 'removed', the template re-checked, the target storage's state; then lets
 * core's diagnose word the why, the advice and the details.
 */
export async function diagnoseCloneFailure(
  ctx: EngineContext,
  evidence: DiagnosisEvidence,
  scene: FailureScene,
): Promise<Diagnosis> {
  const ev: DiagnosisEvidence = { ...evidence, node: evidence.node ?? scene.node };
  const attempt = async <T>(what: string, read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (error) {
      ctx.logger.warn({ err: errorMessage(error) }, `diagnosis: could not read ${what}`);
      return undefined;
    }
  };
  if (scene.readNewVm && scene.newVmid !== undefined && ev.newVmConfig === undefined) {
    const vmid = scene.newVmid;
    // A read error is not proof of removal: only Proxmox's "does not exist" (undefined) is.
    const config = await attempt(`VM ${vmid}`, async () => ({
      found: await ctx.proxmox.findVmConfig(scene.node, vmid),
    }));
    if (config) ev.newVmConfig = config.found ?? 'removed';
  }
  if (scene.templateVmid !== undefined && ev.templateConfig === undefined && ev.templateCheck === undefined) {
    const vmid = scene.templateVmid;
    const config = await attempt(`template ${vmid}`, async () => ({
      found: await ctx.proxmox.findVmConfig(scene.node, vmid),
    }));
    if (config?.found) ev.templateConfig = config.found;
    else if (config) ev.templateCheck = `template ${vmid} no longer exists on ${scene.node}`;
    else ev.templateCheck = `template ${vmid} could not be read on ${scene.node}`;
  }
  const storageId =
    scene.storage ??
    ev.request?.storage ??
    (ev.templateConfig ? firstDiskStorage(ev.templateConfig) : undefined);
  if (storageId !== undefined && ev.storage === undefined) {
    const list = await attempt(`storage on ${scene.node}`, () => ctx.proxmox.listStorages(scene.node));
    const s = list?.find((x) => x.storage === storageId);
    if (s) ev.storage = s;
  }
  return diagnose(ev);
}

function firstDiskStorage(config: Record<string, string | number>): string | undefined {
  for (const key of ['scsi0', 'virtio0', 'sata0', 'ide0']) {
    const value = config[key];
    if (value !== undefined) return volumeStorage(value);
  }
  return undefined;
}
