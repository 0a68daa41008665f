import { findBootDisk } from '../core/boot-disk.ts';
import { diagnose } from '../core/diagnose.ts';
import { deriveNodeIds, nodeTemplateVmid } from '../core/node-template-vmid.ts';
import { formatTemplateRef } from '../core/template-ref.ts';
import type { Diagnosis, TemplateRef } from '../core/types.ts';
import type { ClusterVm, VmConfig } from '../proxmox/types.ts';
import type { EngineContext } from './engine-context.ts';
import { errorMessage, readFailureReason } from './proxmox-error-facts.ts';
import type { ResolvedTemplate } from './types.ts';

/** A template found and checked on its node, with the config the check read. */
export interface CheckedTemplate {
  template: ResolvedTemplate;
  config: VmConfig;
}

const isDiagnosis = (x: unknown): x is Diagnosis =>
  typeof x === 'object' && x !== null && 'reason' in x && 'summary' in x;

/** Adds where the template really is to a not-found diagnosis (the user named the wrong node). */
function elsewhere(d: Diagnosis, vmid: number, found: ClusterVm[], node: string): Diagnosis {
  if (found.length === 0) return d;
  const where =
    found.length === 1
      ? `it is on ${found[0]?.node}`
      : `on ${found.map((v) => `${v.node} (${v.vmid})`).join(', ')}`;
  return {
    ...d,
    summary: `${d.summary} (${where})`,
    advice: [
      `clone it on its own node (on ${found[0]?.node}); add 'target ${node}' when all its disks are on shared storage`,
      ...d.advice,
    ],
    templateCheck: `VM ${vmid} is not on ${node}`,
  };
}

/** The template VMID a reference stands for on `node`: VMID as is, base id via the node-specific scheme, name by lookup. */
export async function locateTemplate(
  ctx: EngineContext,
  ref: TemplateRef,
  node: string,
  vms: ClusterVm[],
): Promise<number | Diagnosis> {
  const notFound = (message: string, vmid?: number) =>
    diagnose({
      reason: 'template-not-found',
      node,
      message,
      ...(vmid === undefined ? {} : { templateVmid: vmid }),
    });
  if (ref.kind === 'vmid') return ref.vmid;
  if (ref.kind === 'base') {
    let ids = ctx.config.templateNodeIds;
    if (ids === undefined) {
      try {
        ids = deriveNodeIds(await ctx.proxmox.getClusterStatus()).ids;
      } catch (error) {
        return diagnose({ reason: readFailureReason(error), node, message: errorMessage(error) });
      }
    }
    const id = ids.get(node);
    if (id === undefined) {
      return diagnose({
        reason: 'invalid-request',
        node,
        message: `Base id ${ref.base} needs a node id for ${node}, and there is none: set TEMPLATE_NODE_IDS (e.g. ${node}=1) or give the template's VMID`,
      });
    }
    const r = nodeTemplateVmid(id, ref.base);
    if (!r.ok) return diagnose({ reason: 'invalid-request', node, message: r.error });
    return r.vmid;
  }
  const named = vms.filter((v) => v.template && v.name === ref.name);
  const here = named.filter((v) => v.node === node);
  if (here.length > 1) {
    return diagnose({
      reason: 'invalid-request',
      node,
      message: `Template name ${ref.name} is ambiguous on ${node}: VMIDs ${here.map((v) => v.vmid).join(', ')}; give the VMID instead`,
    });
  }
  if (here[0]) return here[0].vmid;
  const d = {
    ...notFound(`no template named ${ref.name}`),
    summary: `No template named ${ref.name} on ${node}`,
  };
  return named.length > 0 ? elsewhere(d, named[0]?.vmid ?? 0, named, node) : d;
}

/**
 * Resolves a reference on `node` and checks the template: it exists on that node, is a template
 * (`template: 1` in its config) and has a boot disk.
 */
export async function resolveAndCheckTemplate(
  ctx: EngineContext,
  ref: TemplateRef,
  node: string,
  vms: ClusterVm[],
): Promise<CheckedTemplate | Diagnosis> {
  const located = await locateTemplate(ctx, ref, node, vms);
  if (isDiagnosis(located)) return located;
  const vmid = located;
  const listed = vms.find((v) => v.vmid === vmid);
  const base = { node, templateVmid: vmid };
  if (listed === undefined || listed.node !== node) {
    const d = diagnose({
      reason: 'template-not-found',
      ...base,
      message: `template ${formatTemplateRef(ref)} not found`,
    });
    return listed ? elsewhere(d, vmid, [listed], node) : d;
  }
  let config: VmConfig | undefined;
  try {
    config = await ctx.proxmox.findVmConfig(node, vmid);
  } catch (error) {
    return diagnose({ reason: readFailureReason(error), ...base, message: errorMessage(error) });
  }
  if (config === undefined) return diagnose({ reason: 'template-not-found', ...base });
  if (Number(config.template) !== 1) return diagnose({ reason: 'not-a-template', ...base });
  const disk = findBootDisk(config);
  if (!disk) return diagnose({ reason: 'template-missing-disk', ...base, templateConfig: config });
  const template: ResolvedTemplate = { vmid, node, bootDisk: disk.key };
  const name = config.name ?? listed.name;
  if (name !== undefined) template.name = String(name);
  return { template, config };
}

export { isDiagnosis };
