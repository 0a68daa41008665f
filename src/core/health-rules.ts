import { type BaseCopy, driftFindings, missingCopyFindings } from './base-copies.ts';
import { inspectDisks } from './boot-disk.ts';
import { summarizeHealth } from './health-summary.ts';
import type {
  Finding,
  HealthInput,
  HealthReport,
  HealthTemplateInput,
  NodeHealth,
  TemplateHealth,
} from './health-types.ts';
import { nodeTemplateVmid, parseNodeTemplateVmid } from './node-template-vmid.ts';
import { diskFindings, finding, lockFindings, storageFindings } from './template-findings.ts';

const isProblem = (f: Finding) => f.severity !== 'info';

/**
 * The template health rule set: per template on every online node its disks, boot order, lock, storages
 * and VMID conformance; across nodes missing copies of a base id and copies that drift apart. Offline
 * nodes are reported, not failed on. Pure: `now` is passed in.
 */
export function evaluateTemplateHealth(input: HealthInput, now: number): HealthReport {
  const everywhere = new Map<number, { node: string; template: HealthTemplateInput }>();
  for (const n of input.nodes)
    for (const t of n.templates) everywhere.set(t.vmid, { node: n.node, template: t });
  const copies: BaseCopy[] = [];
  const bases = new Set<number>();
  const nodes: NodeHealth[] = input.nodes.map((n) => {
    const nodeId = input.nodeIds.get(n.node);
    const nh: NodeHealth = { node: n.node, online: n.online, templates: [], findings: [] };
    if (nodeId !== undefined) nh.nodeId = nodeId;
    if (!n.online) {
      // Its templates (as last known) still say which base ids exist; their copies elsewhere must not be missing.
      if (n.templates.length > 0) nh.knownTemplates = n.templates.map((t) => t.vmid).sort((a, b) => a - b);
      for (const t of n.templates) {
        const parsed = parseNodeTemplateVmid(t.vmid, input.nodeIds);
        if (parsed?.node !== undefined) bases.add(parsed.base);
      }
      nh.findings.push(
        finding(
          { node: n.node },
          'info',
          'node-offline',
          `${n.node} is offline: its templates were not checked`,
          `bring ${n.node} back online; its templates are checked again when it returns`,
        ),
      );
      return nh;
    }
    if (nodeId === undefined) {
      nh.findings.push(
        finding(
          { node: n.node },
          'warning',
          'node-id-missing',
          `${n.node} has no node id: its templates cannot be found by base id`,
          `add ${n.node} to TEMPLATE_NODE_IDS (e.g. ${n.node}=N with an unused N)`,
        ),
      );
    }
    for (const t of [...n.templates].sort((a, b) => a.vmid - b.vmid)) {
      const { health, copy, base } = checkTemplate(n.node, nodeId, t, input, now);
      nh.templates.push(health);
      if (copy) copies.push(copy);
      if (base !== undefined) bases.add(base);
    }
    return nh;
  });
  const online = nodes
    .filter((n) => n.online && n.nodeId !== undefined)
    .map((n) => ({ node: n.node, nodeId: n.nodeId as number }));
  for (const f of missingCopyFindings(copies, bases, online, everywhere))
    nodes.find((n) => n.node === f.node)?.findings.push(f);
  for (const [key, found] of driftFindings(copies)) {
    const t = nodes.flatMap((n) => n.templates).find((x) => `${x.node}/${x.vmid}` === key);
    if (!t) continue;
    t.findings.push(...found);
    t.healthy = !t.findings.some(isProblem);
  }
  return { checkedAt: now, nodes, summary: summarizeHealth(nodes) };
}

function checkTemplate(
  node: string,
  nodeId: number | undefined,
  t: HealthTemplateInput,
  input: HealthInput,
  now: number,
) {
  const parsed = parseNodeTemplateVmid(t.vmid, input.nodeIds);
  const conforming = parsed !== undefined && nodeId !== undefined && parsed.nodeId === nodeId;
  const subject = conforming ? { node, vmid: t.vmid, base: parsed.base } : { node, vmid: t.vmid };
  const inspection = inspectDisks(t.config);
  const lock = t.lock ?? (t.config.lock === undefined ? undefined : String(t.config.lock));
  const storages = input.nodes.find((n) => n.node === node)?.storages ?? [];
  const findings = [
    ...diskFindings(t.config, subject, inspection),
    ...lockFindings(
      lock,
      t.lockSince === undefined ? undefined : Math.max(0, now - t.lockSince),
      input.thresholds.lockStuckMs,
      subject,
    ),
    ...storageFindings(inspection, storages, subject),
  ];
  if (parsed === undefined) {
    findings.push(
      finding(
        subject,
        'info',
        'vmid-outside-scheme',
        `template ${t.vmid} on ${node} is outside the node-specific scheme: clone it by VMID or name, not by base id`,
        'to use base ids, recreate it as 9000 + node id*100 + base (e.g. 9105 for base 5 on node 1)',
      ),
    );
  } else if (nodeId !== undefined && parsed.nodeId !== nodeId) {
    const owner =
      parsed.node === undefined ? `node id ${parsed.nodeId}` : `node ${parsed.nodeId} (${parsed.node})`;
    const expected = nodeTemplateVmid(nodeId, parsed.base);
    const home = expected.ok ? String(expected.vmid) : `a VMID in its own range`;
    findings.push(
      finding(
        subject,
        'warning',
        'vmid-wrong-node',
        `template ${t.vmid} is on ${node}, but its VMID is in the range of ${owner}`,
        parsed.node === undefined
          ? `recreate it on ${node} as ${home}`
          : `migrate it to ${parsed.node} (qm migrate ${t.vmid} ${parsed.node}) or recreate it on ${node} as ${home}`,
      ),
    );
  }
  const boot = inspection.disks.find((d) => d.key === inspection.bootDisk?.key);
  const health: TemplateHealth = { node, vmid: t.vmid, findings, healthy: !findings.some(isProblem) };
  if (t.name !== undefined) health.name = t.name;
  if (conforming) health.base = parsed.base;
  if (boot) health.bootDisk = boot.key;
  let copy: BaseCopy | undefined;
  if (conforming) {
    copy = { node, vmid: t.vmid, base: parsed.base };
    if (boot?.sizeBytes !== undefined) copy.bootDiskBytes = boot.sizeBytes;
    if (t.config.ostype !== undefined) copy.ostype = String(t.config.ostype);
    const ci = inspection.disks.find((d) => d.isCloudInit);
    if (ci) copy.cloudInit = ci;
  }
  return { health, copy, base: parsed?.node === undefined ? undefined : parsed.base };
}
