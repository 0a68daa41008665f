import { inspectDisks } from './boot-disk.ts';
import { formatBytes } from './format.ts';
import type { TemplateHealth } from './health-types.ts';
import { nodeTemplateVmid, parseNodeTemplateVmid } from './node-template-vmid.ts';
import type {
  RepairPlanInput,
  RepairPlanResult,
  RepairRefusalCode,
  RepairSource,
  RepairStep,
} from './repair-types.ts';
import type { StorageInfo } from './storage-types.ts';
import type { VmConfig } from './vm-types.ts';

const refuse = (code: RepairRefusalCode, message: string, details: string[] = []): RepairPlanResult => ({
  ok: false,
  refusal: { code, message, details },
});

/** `meta: creation-qemu=9.2.0,ctime=1735689600` → 1735689600. */
function ctimeOf(config: VmConfig | undefined): number | undefined {
  const m = /(?:^|,)ctime=(\d+)/.exec(String(config?.meta ?? ''));
  return m ? Number(m[1]) : undefined;
}

/** Bytes a full copy of the config's disks needs (CD-ROMs and unusedN are not copied). */
function bytesNeeded(config: VmConfig): number {
  return inspectDisks(config)
    .disks.filter((d) => !d.unused && !d.isCdrom && !d.isCloudInit)
    .reduce((sum, d) => sum + (d.sizeBytes ?? 0), 0);
}

const usable = (s: StorageInfo | undefined) =>
  s !== undefined && s.enabled && s.active && s.content.includes('images');

/**
 * The repair of base `base`'s copy on `node`, decided from the health check alone (pure): the source is a
 * healthy copy of the same base on another online node (the newest config when several); the target VMID
 * is 9000 + node id*100 + base; a copy already there is replaced only when an approver confirmed its VMID,
 * and a VMID held by anything else is refused. Shared storage: a full clone with `target` = node, then
 * template. Node-local storage (Proxmox refuses `target` for local disks): a full clone on the source node,
 * an offline migration with `targetstorage`, then template.
 */
export function planRepair(input: RepairPlanInput): RepairPlanResult {
  const { base, node, health, report, vms } = input;
  if (!Number.isInteger(base) || base < 0 || base > 99)
    return refuse('bad-base', `base must be a number from 0 to 99 (got ${base})`);
  const nodeInput = health.nodes.find((n) => n.node === node);
  if (!nodeInput)
    return refuse(
      'unknown-node',
      `node ${node} is not in the cluster (nodes: ${health.nodes.map((n) => n.node).join(', ')})`,
    );
  if (!nodeInput.online)
    return refuse('node-offline', `node ${node} is offline: a copy cannot be made there now`);
  const nodeId = health.nodeIds.get(node);
  const expected = nodeId === undefined ? undefined : nodeTemplateVmid(nodeId, base);
  if (!expected?.ok)
    return refuse(
      'node-id-missing',
      `node ${node} has no usable node id, so base ${base} has no VMID there`,
      [expected?.error ?? `add ${node} to TEMPLATE_NODE_IDS (e.g. ${node}=N)`],
    );
  const targetVmid = expected.vmid;

  const templates = report.nodes.flatMap((n) => n.templates);
  const copies = templates.filter((t) => t.base === base);
  const knownOffline = report.nodes.some(
    (n) =>
      !n.online &&
      (n.knownTemplates ?? []).some((v) => parseNodeTemplateVmid(v, health.nodeIds)?.base === base),
  );
  if (copies.length === 0 && !knownOffline)
    return refuse(
      'unknown-base',
      `base ${base} is unknown: no node has a template copy of it (VMIDs 9000 + node id*100 + ${base})`,
    );

  const configOf = (t: { node: string; vmid: number }) =>
    health.nodes.find((n) => n.node === t.node)?.templates.find((x) => x.vmid === t.vmid)?.config;
  const candidates = copies
    // A locked copy (backup, a clone running) passes the rules but cannot be cloned now.
    .filter((t) => t.healthy && t.node !== node && configOf(t)?.lock === undefined)
    .filter((t) => input.sourceNode === undefined || t.node === input.sourceNode)
    .map((t) => ({ t, ctime: ctimeOf(configOf(t)) ?? 0, id: health.nodeIds.get(t.node) ?? 0 }))
    .sort((a, b) => b.ctime - a.ctime || a.id - b.id);
  const chosen = candidates[0];
  if (!chosen) {
    const details = copies.map((t) => describeFailing(t));
    if (knownOffline) details.push('copies on offline nodes were not checked');
    return refuse('no-healthy-copy', `base ${base} has no healthy copy to repair from`, details);
  }

  const holder = vms.find((v) => v.vmid === targetVmid);
  // A copy being made right now (its clone or migration holds the lock): answer with that, start nothing.
  if (holder && !holder.template && (holder.lock === 'clone' || holder.lock === 'migrate'))
    return refuse(
      'repair-running',
      `VM ${targetVmid} is being made now on ${holder.node} (lock: ${holder.lock}): a repair or clone for base ${base} on ${node} is already running; nothing started`,
    );
  const existing = copies.find((t) => t.vmid === targetVmid && t.node === node);
  let replaces: { vmid: number; problems: string[] } | undefined;
  if (existing) {
    if (existing.healthy)
      return refuse('already-healthy', `template ${targetVmid} on ${node} is healthy: nothing to repair`);
    const problems = existing.findings.filter((f) => f.severity !== 'info').map((f) => f.message);
    if (input.confirmReplace !== targetVmid)
      return refuse(
        'needs-confirmation',
        `template ${targetVmid} on ${node} exists (broken or drifted): it is destroyed and replaced only when an approver confirms VMID ${targetVmid}`,
        problems,
      );
    replaces = { vmid: targetVmid, problems };
  } else if (holder) {
    const what = holder.template ? 'a template' : 'a VM';
    const name = holder.name === undefined ? '' : ` '${holder.name}'`;
    const where = holder.node === node ? `on ${node}` : `on ${holder.node}, not ${node}`;
    return refuse(
      'vmid-held',
      `VMID ${targetVmid} is held by ${what}${name} ${where}, which is not ${node}'s copy of base ${base}: pve-clonebot never replaces it`,
      [
        holder.template && holder.node !== node
          ? `migrate it back to ${node} (qm migrate ${targetVmid} ${node}) or free the VMID, then repair`
          : `free VMID ${targetVmid} (it belongs to ${node}'s range for base ${base}), then repair`,
      ],
    );
  }

  const srcConfig = configOf(chosen.t) ?? {};
  const srcStorages = health.nodes.find((n) => n.node === chosen.t.node)?.storages ?? [];
  const disks = inspectDisks(srcConfig).disks.filter((d) => !d.unused && d.storage !== undefined);
  const shared = disks.every((d) => {
    const s = srcStorages.find((x) => x.storage === d.storage);
    return s?.shared === true && usable(nodeInput.storages.find((x) => x.storage === d.storage));
  });
  const need = bytesNeeded(srcConfig);
  const bootKey = inspectDisks(srcConfig).bootDisk?.key;
  const bootStorage = disks.find((d) => d.key === bootKey)?.storage;
  let targetStorage: string | undefined;
  if (shared) targetStorage = bootStorage ?? disks[0]?.storage;
  else {
    const roomy = (s: StorageInfo) => usable(s) && (s.avail === undefined || s.avail >= need);
    const same = nodeInput.storages.find((s) => s.storage === bootStorage && !s.shared);
    targetStorage =
      same && roomy(same)
        ? same.storage
        : [...nodeInput.storages]
            .filter((s) => !s.shared && roomy(s))
            .sort((a, b) => (b.avail ?? 0) - (a.avail ?? 0))[0]?.storage;
  }
  if (targetStorage === undefined)
    return refuse(
      'no-target-storage',
      `no storage on ${node} can take a ${formatBytes(need)} copy of template ${chosen.t.vmid}`,
      nodeInput.storages
        .filter((s) => s.content.includes('images'))
        .map(
          (s) =>
            `${s.storage}: ${s.enabled && s.active ? `${formatBytes(s.avail ?? 0)} free` : 'not enabled/active'}`,
        ),
    );

  const source: RepairSource = { node: chosen.t.node, vmid: chosen.t.vmid };
  if (chosen.t.name !== undefined) source.name = chosen.t.name;
  if (srcConfig.digest !== undefined) source.digest = String(srcConfig.digest);
  if (chosen.ctime > 0) source.ctime = chosen.ctime;
  const name = chosen.t.name ?? `base-${base}`;
  const steps: RepairStep[] = [];
  if (replaces) steps.push({ kind: 'destroy', node, vmid: targetVmid });
  if (shared) {
    steps.push({
      kind: 'clone',
      node: source.node,
      vmid: source.vmid,
      newid: targetVmid,
      name,
      target: node,
    });
  } else {
    steps.push({ kind: 'clone', node: source.node, vmid: source.vmid, newid: targetVmid, name });
    steps.push({
      kind: 'migrate',
      node: source.node,
      vmid: targetVmid,
      target: node,
      targetstorage: targetStorage,
    });
  }
  steps.push({ kind: 'template', node, vmid: targetVmid });
  const plan = {
    base,
    node,
    targetVmid,
    source,
    targetStorage,
    shared,
    steps,
    otherSources: candidates.slice(1).map((c) => ({ node: c.t.node, vmid: c.t.vmid })),
  };
  return { ok: true, plan: replaces ? { ...plan, replaces } : plan };
}

/** `template 9205 on pve2: no-disk (…); copy-drift-ostype (…)`. */
function describeFailing(t: TemplateHealth): string {
  const rules = t.findings
    .filter((f) => f.severity !== 'info' || f.code === 'lock-busy')
    .map((f) => `${f.code}: ${f.message}`);
  return `template ${t.vmid} on ${t.node} fails ${rules.join('; ')}`;
}
