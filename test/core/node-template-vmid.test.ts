import { describe, expect, it } from 'vitest';
import {
  deriveNodeIds,
  MAX_TEMPLATE_NODE_ID,
  nodeTemplateVmid,
  parseNodeTemplateVmid,
} from '../../src/core/node-template-vmid.ts';
import type { ClusterStatus } from '../../src/proxmox/types.ts';

const node = (name: string, nodeid: number) => ({ name, nodeid, online: true, local: false });

describe('nodeTemplateVmid', () => {
  it('computes 9000 + node*100 + base, past node 9 too', () => {
    expect(nodeTemplateVmid(2, 5)).toEqual({ ok: true, vmid: 9205 });
    expect(nodeTemplateVmid(1, 0)).toEqual({ ok: true, vmid: 9100 });
    expect(nodeTemplateVmid(9, 99)).toEqual({ ok: true, vmid: 9999 });
    expect(nodeTemplateVmid(10, 0)).toEqual({ ok: true, vmid: 10000 });
    expect(nodeTemplateVmid(10, 5)).toEqual({ ok: true, vmid: 10005 });
    expect(nodeTemplateVmid(95, 1)).toEqual({ ok: true, vmid: 18501 });
    const top = nodeTemplateVmid(MAX_TEMPLATE_NODE_ID, 99);
    expect(top.ok && top.vmid).toBeLessThanOrEqual(999_999_999);
  });

  it('refuses base ids out of 0–99 and bad node ids with a reason', () => {
    expect(nodeTemplateVmid(1, 100)).toEqual({
      ok: false,
      error:
        'base id must be 0–99 (got 100): the node-specific scheme 9000 + node_id*100 + base has 100 slots per node',
    });
    expect(nodeTemplateVmid(1, -1).ok).toBe(false);
    expect(nodeTemplateVmid(1, 1.5).ok).toBe(false);
    const zero = nodeTemplateVmid(0, 5);
    expect(!zero.ok && zero.error).toContain('set TEMPLATE_NODE_IDS');
    expect(nodeTemplateVmid(-1, 5).ok).toBe(false);
    expect(nodeTemplateVmid(MAX_TEMPLATE_NODE_ID + 1, 0).ok).toBe(false);
    expect(nodeTemplateVmid(Number.NaN, 0).ok).toBe(false);
  });
});

describe('parseNodeTemplateVmid', () => {
  const ids = new Map([
    ['pve1', 1],
    ['pve2', 2],
    ['pve10', 10],
  ]);
  it('inverts the scheme and finds the node', () => {
    expect(parseNodeTemplateVmid(9205, ids)).toEqual({ nodeId: 2, base: 5, node: 'pve2' });
    expect(parseNodeTemplateVmid(10005, ids)).toEqual({ nodeId: 10, base: 5, node: 'pve10' });
    expect(parseNodeTemplateVmid(9305, ids)).toEqual({ nodeId: 3, base: 5 });
    for (const [n, b] of [
      [1, 0],
      [7, 42],
      [123, 99],
    ] as const) {
      const r = nodeTemplateVmid(n, b);
      expect(r.ok && parseNodeTemplateVmid(r.vmid, ids)).toMatchObject({ nodeId: n, base: b });
    }
  });

  it('says nothing for VMIDs outside the scheme', () => {
    expect(parseNodeTemplateVmid(112, ids)).toBeUndefined();
    expect(parseNodeTemplateVmid(9099, ids)).toBeUndefined();
    expect(parseNodeTemplateVmid(9100.5, ids)).toBeUndefined();
    expect(parseNodeTemplateVmid(1_000_000_000, ids)).toBeUndefined();
  });
});

describe('deriveNodeIds', () => {
  const cluster: ClusterStatus = {
    cluster: { name: 'lab', quorate: true, nodes: 3 },
    nodes: [node('pve1', 1), node('pve2', 2), node('pve4', 4)],
  };

  it('keeps corosync ids with their gaps', () => {
    const r = deriveNodeIds(cluster);
    expect([...r.ids]).toEqual([
      ['pve1', 1],
      ['pve2', 2],
      ['pve4', 4],
    ]);
    expect(r).toMatchObject({ source: 'cluster-status', notes: [] });
  });

  it('maps a standalone host with node id 0 to 1 and says so', () => {
    const r = deriveNodeIds({ nodes: [{ ...node('pve', 0), local: true }] });
    expect([...r.ids]).toEqual([['pve', 1]]);
    expect(r.notes[0]).toContain('standalone host pve reports node id 0; using 1');
  });

  it('skips node id 0 or duplicates inside a cluster, with a note', () => {
    const r = deriveNodeIds({
      cluster: { name: 'x', quorate: true, nodes: 3 },
      nodes: [node('a', 0), node('b', 2), node('c', 2)],
    });
    expect([...r.ids]).toEqual([['b', 2]]);
    expect(r.notes).toHaveLength(2);
  });

  it('lets TEMPLATE_NODE_IDS win and notes unmapped nodes, id 0 and collisions', () => {
    const r = deriveNodeIds(
      cluster,
      new Map([
        ['pve1', 3],
        ['pve2', 3],
        ['pve9', 0],
      ]),
    );
    expect(r.source).toBe('TEMPLATE_NODE_IDS');
    expect([...r.ids]).toEqual([
      ['pve1', 3],
      ['pve2', 3],
      ['pve9', 0],
    ]);
    expect(r.notes.join('\n')).toMatch(/pve1 and pve2 the same id 3/);
    expect(r.notes.join('\n')).toMatch(/pve9 id 0/);
    expect(r.notes.join('\n')).toMatch(/node pve4 is not in TEMPLATE_NODE_IDS/);
    expect(deriveNodeIds(cluster, new Map()).source).toBe('cluster-status');
  });
});
