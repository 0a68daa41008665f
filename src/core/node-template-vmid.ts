import type { ClusterStatus } from './cluster-types.ts';
import { MAX_VMID } from './template-ref.ts';

/** Where node-specific template VMIDs start: node N's templates are 9000 + N*100 + base (base 0–99). */
export const TEMPLATE_VMID_OFFSET = 9000;
/** Largest node id whose range still fits below Proxmox's highest VMID. */
export const MAX_TEMPLATE_NODE_ID = Math.floor((MAX_VMID - TEMPLATE_VMID_OFFSET - 99) / 100);

/**
 * The node-specific template VMID `9000 + nodeId*100 + baseId`. Node 1 → 9100–9199 … node 9 → 9900–9999,
 * node 10 → 10000–10099: only nine nodes fit in 9000–9999, beyond that the ranges continue past it.
 * Node id 0 is refused: it is what a standalone host reports as its corosync id, not a chosen number,
 * and its range 9000–9099 is where hand-made templates usually live.
 */
export function nodeTemplateVmid(
  nodeId: number,
  baseId: number,
): { ok: true; vmid: number } | { ok: false; error: string } {
  if (!Number.isInteger(baseId) || baseId < 0 || baseId > 99) {
    return {
      ok: false,
      error: `base id must be 0–99 (got ${baseId}): the node-specific scheme 9000 + node_id*100 + base has 100 slots per node`,
    };
  }
  if (nodeId === 0) {
    return {
      ok: false,
      error:
        'node id 0 is not usable for templates (a standalone host reports corosync id 0): set TEMPLATE_NODE_IDS, e.g. pve1=1',
    };
  }
  if (!Number.isInteger(nodeId) || nodeId < 1 || nodeId > MAX_TEMPLATE_NODE_ID) {
    return {
      ok: false,
      error: `node id must be a whole number from 1 to ${MAX_TEMPLATE_NODE_ID} (got ${nodeId}): check TEMPLATE_NODE_IDS`,
    };
  }
  return { ok: true, vmid: TEMPLATE_VMID_OFFSET + nodeId * 100 + baseId };
}

/** Which node id and base a template VMID stands for (and the node with that id, if any); undefined below 9100. */
export function parseNodeTemplateVmid(
  vmid: number,
  nodeIds: ReadonlyMap<string, number>,
): { nodeId: number; base: number; node?: string } | undefined {
  if (!Number.isInteger(vmid) || vmid < TEMPLATE_VMID_OFFSET + 100 || vmid > MAX_VMID) return undefined;
  const nodeId = Math.floor((vmid - TEMPLATE_VMID_OFFSET) / 100);
  const base = (vmid - TEMPLATE_VMID_OFFSET) % 100;
  const node = [...nodeIds].find(([, id]) => id === nodeId)?.[0];
  return node === undefined ? { nodeId, base } : { nodeId, base, node };
}

/** Node ids for the scheme, and notes for the operator about how they were chosen. */
export interface NodeIdMapping {
  ids: Map<string, number>;
  source: 'TEMPLATE_NODE_IDS' | 'cluster-status';
  notes: string[];
}

/**
 * Node → id for the template scheme. An explicit TEMPLATE_NODE_IDS wins; otherwise corosync ids from
 * /cluster/status, gaps kept (renumbering would move every template when a node leaves). A standalone
 * host (no cluster entry, nodeid 0) is mapped to 1, with a note.
 */
export function deriveNodeIds(status: ClusterStatus, explicit?: ReadonlyMap<string, number>): NodeIdMapping {
  const notes: string[] = [];
  if (explicit !== undefined && explicit.size > 0) {
    const ids = new Map(explicit);
    const byId = new Map<number, string>();
    for (const [node, id] of ids) {
      const other = byId.get(id);
      if (other !== undefined)
        notes.push(
          `TEMPLATE_NODE_IDS gives ${other} and ${node} the same id ${id}: their template VMIDs collide`,
        );
      byId.set(id, node);
      if (id === 0)
        notes.push(`TEMPLATE_NODE_IDS gives ${node} id 0, which the scheme refuses: use 1 or more`);
    }
    for (const n of status.nodes) {
      if (!ids.has(n.name))
        notes.push(`node ${n.name} is not in TEMPLATE_NODE_IDS: its templates cannot be found by base id`);
    }
    return { ids, source: 'TEMPLATE_NODE_IDS', notes };
  }
  const ids = new Map<string, number>();
  if (status.cluster === undefined && status.nodes.length === 1 && status.nodes[0]?.nodeid === 0) {
    const name = status.nodes[0].name;
    ids.set(name, 1);
    notes.push(
      `standalone host ${name} reports node id 0; using 1 (templates 9100–9199); set TEMPLATE_NODE_IDS to choose`,
    );
    return { ids, source: 'cluster-status', notes };
  }
  for (const n of status.nodes) {
    if (!Number.isInteger(n.nodeid) || n.nodeid < 1) {
      notes.push(`node ${n.name} reports node id ${n.nodeid}: skipped; set TEMPLATE_NODE_IDS`);
    } else if ([...ids.values()].includes(n.nodeid)) {
      notes.push(`node ${n.name} reports node id ${n.nodeid}, already used: skipped; set TEMPLATE_NODE_IDS`);
    } else {
      ids.set(n.name, n.nodeid);
    }
  }
  return { ids, source: 'cluster-status', notes };
}
