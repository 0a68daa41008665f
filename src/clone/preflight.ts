import { inspectDisks } from '../core/boot-disk.ts';
import { classifyCloneError } from '../core/clone-error.ts';
import { diagnose } from '../core/diagnose.ts';
import type { DiagnosisEvidence } from '../core/diagnosis-evidence.ts';
import type { CloneRequest, Diagnosis } from '../core/types.ts';
import type { ClusterVm, StorageInfo, VmConfig } from '../proxmox/types.ts';
import type { EngineContext } from './engine-context.ts';
import { errorMessage, readFailureReason } from './proxmox-error-facts.ts';
import { isDiagnosis, resolveAndCheckTemplate } from './resolve-template.ts';
import type { ResolvedTemplate } from './types.ts';

/** What the pre-clone check learned, kept for the clone and its diagnosis. */
export interface PreflightFacts {
  template: ResolvedTemplate;
  templateConfig: VmConfig;
  storages: StorageInfo[];
}

/** The storage id of a volume (`local-lvm:base-112-disk-0,size=32G` → `local-lvm`). */
export function volumeStorage(value: string | number): string | undefined {
  const m = /^([A-Za-z][A-Za-z0-9._-]*):/.exec(String(value));
  return m?.[1];
}

/**
 * Checks a request against the live cluster without creating anything: node (and target) exist and are
 * online; the template exists on that node, is a template, has a boot disk, is not locked and can reach the
 * target; the storage exists there, is enabled, active and holds disk images; the name and VMID are free.
 */
export async function runPreflight(
  ctx: EngineContext,
  request: CloneRequest,
  options: { templateCopy?: boolean } = {},
): Promise<{ ok: true; facts: PreflightFacts } | { ok: false; diagnosis: Diagnosis }> {
  const fail = (e: Omit<DiagnosisEvidence, 'request' | 'node'>) => ({
    ok: false as const,
    diagnosis: diagnose({ request, node: request.node, ...e }),
  });
  const rejected = (message: string, templateVmid: number) => {
    const cloneError = classifyCloneError({ message });
    return fail({ reason: cloneError.reason, cloneError, templateVmid });
  };
  try {
    const nodes = await ctx.preflightReads.listNodes();
    const knownNodes = nodes.map((n) => n.node).sort();
    for (const name of [request.node, request.target]) {
      if (name === undefined) continue;
      const node = nodes.find((n) => n.node === name);
      if (!node) {
        const d = fail({ reason: 'unknown-node', knownNodes });
        if (name !== request.node)
          d.diagnosis.summary = `Target node ${name} is not in the cluster (nodes: ${knownNodes.join(', ')})`;
        return d;
      }
      if (node.status !== 'online') {
        const d = fail({ reason: 'node-offline' });
        d.diagnosis.summary = `Node ${name} is ${node.status}`;
        return d;
      }
    }
    const vms = await ctx.preflightReads.listClusterVms();
    const checked = await resolveAndCheckTemplate(ctx, request.template, request.node, vms);
    if (isDiagnosis(checked)) return { ok: false, diagnosis: checked };
    const { template, config } = checked;
    const tpl = { templateVmid: template.vmid, templateConfig: config };
    if (config.lock !== undefined) {
      return fail({ reason: 'template-locked', ...tpl, lock: { kind: String(config.lock) } });
    }
    const storages = await ctx.preflightReads.listStorages(request.node);
    const byId = new Map(storages.map((s) => [s.storage, s]));
    const target =
      request.target !== undefined && request.target !== request.node ? request.target : undefined;
    if (request.storage !== undefined) {
      if (request.mode === 'linked')
        return rejected("parameter 'storage' not allowed for linked clones", template.vmid);
      const s = byId.get(request.storage);
      const bad = (message: string) =>
        fail({ reason: 'storage-invalid', ...tpl, message, ...(s ? { storage: s } : {}) });
      // Proxmox lists every storage of the cluster, `enabled: 0` where it cannot be used on this node.
      const usable = storages.filter((x) => x.enabled).map((x) => x.storage);
      if (!s)
        return bad(`it does not exist in this cluster (storages on ${request.node}: ${usable.join(', ')})`);
      if (s.unavailable?.reason === 'not-on-node')
        return rejected(`storage '${s.storage}' is not available on node '${request.node}'`, template.vmid);
      if (s.unavailable?.reason === 'disabled') return bad('it is disabled (Datacenter → Storage)');
      if (!s.enabled)
        return bad(`it is not enabled on ${request.node}: disabled, or not configured for ${request.node}`);
      if (!s.active) return bad(`it is not active on ${request.node}`);
      if (!s.content.includes('images'))
        return rejected(`storage '${s.storage}' does not support vm images`, template.vmid);
      if (target && !s.shared)
        return rejected(`can't clone to non-shared storage '${s.storage}'`, template.vmid);
      if (target) {
        // Proxmox checks the storage on the target node too; it lists neither a disabled storage nor one
        // restricted to other nodes there. Content is storage-wide, so 'images' was checked above.
        const there = (await ctx.preflightReads.listStorages(target)).find((x) => x.storage === s.storage);
        if (!there?.enabled)
          return rejected(`storage '${s.storage}' is not available on node '${target}'`, template.vmid);
        if (!there.active) return bad(`it is not active on ${target}`);
      }
    }
    if (target) {
      // qemu-server `$check_storage_access_clone`: every volume of the SOURCE counts, CD-ROM ISOs and
      // cloud-init included; a `storage` for the copies does not change it.
      const local = inspectDisks(config).disks.filter(
        (d) => !d.unused && d.storage !== undefined && byId.get(d.storage)?.shared !== true,
      );
      if (local.length > 0)
        return rejected(`can't clone VM to node '${target}' (VM uses local storage)`, template.vmid);
    }
    const sameName = vms.find((v) => v.name === request.name);
    if (sameName && !options.templateCopy)
      return fail({ reason: 'name-taken', ...tpl, conflict: conflictOf(sameName) });
    if (request.vmid !== undefined && !(await ctx.proxmox.isVmidFree(request.vmid))) {
      const other = vms.find((v) => v.vmid === request.vmid);
      return fail({
        reason: 'vmid-taken',
        ...tpl,
        newVmid: request.vmid,
        ...(other ? { conflict: conflictOf(other) } : {}),
      });
    }
    return { ok: true, facts: { template, templateConfig: config, storages } };
  } catch (error) {
    return fail({ reason: readFailureReason(error), message: errorMessage(error) });
  }
}

function conflictOf(vm: ClusterVm): NonNullable<DiagnosisEvidence['conflict']> {
  return vm.name === undefined
    ? { vmid: vm.vmid, node: vm.node }
    : { vmid: vm.vmid, node: vm.node, name: vm.name };
}
