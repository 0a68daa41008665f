import { describe, expect, test } from 'vitest';
import { describeRepairPlan } from '../../src/core/describe-repair-plan.ts';
import { evaluateTemplateHealth } from '../../src/core/health-rules.ts';
import type { HealthInput, HealthTemplateInput } from '../../src/core/health-types.ts';
import { planRepair } from '../../src/core/repair-plan.ts';
import type { RepairVm } from '../../src/core/repair-types.ts';
import type { StorageInfo } from '../../src/proxmox/types.ts';

const GiB = 1024 ** 3;
const storages = (localFree = 400 * GiB): StorageInfo[] => [
  {
    storage: 'local-lvm',
    type: 'lvmthin',
    content: ['images', 'rootdir'],
    enabled: true,
    active: true,
    shared: false,
    total: 500 * GiB,
    avail: localFree,
  },
  {
    storage: 'ceph',
    type: 'rbd',
    content: ['images'],
    enabled: true,
    active: true,
    shared: true,
    total: 2000 * GiB,
    avail: 1500 * GiB,
  },
];
const tpl = (
  vmid: number,
  storage: string,
  extra: Record<string, string | number> = {},
): HealthTemplateInput => ({
  vmid,
  name: 'rocky-9',
  config: {
    name: 'rocky-9',
    template: 1,
    ostype: 'l26',
    boot: 'order=scsi0;net0',
    net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr0',
    scsi0: `${storage}:base-${vmid}-disk-0,size=20G`,
    meta: 'creation-qemu=9.2.0,ctime=1735689600',
    digest: `d${vmid}`.padEnd(40, '0'),
    ...extra,
  },
});

function input(
  templates: Record<string, HealthTemplateInput[]>,
  options: { offline?: string[]; localFree?: Record<string, number>; vms?: RepairVm[] } = {},
) {
  const nodes = ['pve1', 'pve2', 'pve3'];
  const health: HealthInput = {
    nodes: nodes.map((node) => ({
      node,
      online: !(options.offline ?? []).includes(node),
      templates: templates[node] ?? [],
      storages: storages(options.localFree?.[node]),
    })),
    nodeIds: new Map(nodes.map((n, i) => [n, i + 1])),
    thresholds: { lockStuckMs: 3_600_000 },
  };
  const report = evaluateTemplateHealth(health, 1_000_000);
  const vms: RepairVm[] = [
    ...Object.entries(templates).flatMap(([node, ts]) =>
      ts.map((t) => ({ vmid: t.vmid, node, template: true, name: 'rocky-9' })),
    ),
    ...(options.vms ?? []),
  ];
  return { health, report, vms };
}

describe('planRepair', () => {
  test('shared storage: the newest healthy copy is cloned straight to the node with target, then made a template', () => {
    const r = planRepair({
      base: 0,
      node: 'pve2',
      ...input({
        pve1: [tpl(9100, 'ceph')],
        pve3: [tpl(9300, 'ceph', { meta: 'creation-qemu=9.2.0,ctime=1765000000' })],
      }),
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.plan).toMatchObject({
      targetVmid: 9200,
      shared: true,
      targetStorage: 'ceph',
      source: { node: 'pve3', vmid: 9300, digest: 'd9300'.padEnd(40, '0'), ctime: 1765000000 },
      otherSources: [{ node: 'pve1', vmid: 9100 }],
    });
    expect(r.plan.steps).toEqual([
      { kind: 'clone', node: 'pve3', vmid: 9300, newid: 9200, name: 'rocky-9', target: 'pve2' },
      { kind: 'template', node: 'pve2', vmid: 9200 },
    ]);
    expect(describeRepairPlan(r.plan)).toEqual([
      'Repair of base 0 on pve2: template 9200 on ceph',
      "source: template 9300 'rocky-9' on pve3 (healthy, config digest d93000000000)",
      'storage: shared (ceph), cloned straight to pve2',
      'step 1/2: full clone of template 9300 on pve3 into VM 9200 on pve2 (target pve2)',
      'step 2/2: convert VM 9200 on pve2 to a template',
      'other healthy copies: 9100 on pve1',
    ]);
  });

  test('node-local storage: clone on the source node, offline migrate with targetstorage, then template', () => {
    const r = planRepair({ base: 5, node: 'pve2', ...input({ pve1: [tpl(9105, 'local-lvm')] }) });
    expect(r.ok && r.plan.steps).toEqual([
      { kind: 'clone', node: 'pve1', vmid: 9105, newid: 9205, name: 'rocky-9' },
      { kind: 'migrate', node: 'pve1', vmid: 9205, target: 'pve2', targetstorage: 'local-lvm' },
      { kind: 'template', node: 'pve2', vmid: 9205 },
    ]);
  });

  test('a broken copy is replaced only with an approver confirming its VMID; then it is destroyed first', () => {
    const broken = tpl(9205, 'local-lvm', { boot: 'order=net0' });
    delete broken.config.scsi0;
    const base = { base: 5, node: 'pve2', ...input({ pve1: [tpl(9105, 'local-lvm')], pve2: [broken] }) };
    const unconfirmed = planRepair(base);
    expect(unconfirmed).toMatchObject({ ok: false, refusal: { code: 'needs-confirmation' } });
    if (unconfirmed.ok) return;
    expect(unconfirmed.refusal.message).toContain('approver confirms VMID 9205');
    expect(unconfirmed.refusal.details.join(' ')).toMatch(/no .*disk/i);
    expect(planRepair({ ...base, confirmReplace: 9105 })).toMatchObject({
      ok: false,
      refusal: { code: 'needs-confirmation' },
    });
    const confirmed = planRepair({ ...base, confirmReplace: 9205 });
    expect(confirmed.ok && confirmed.plan.steps[0]).toEqual({ kind: 'destroy', node: 'pve2', vmid: 9205 });
    expect(confirmed.ok && confirmed.plan.replaces?.vmid).toBe(9205);
  });

  test('a VMID held by something that is not a copy of the base is refused', () => {
    const held = planRepair({
      base: 5,
      node: 'pve2',
      ...input(
        { pve1: [tpl(9105, 'local-lvm')] },
        { vms: [{ vmid: 9205, node: 'pve2', template: false, name: 'web-1' }] },
      ),
    });
    expect(held).toMatchObject({ ok: false, refusal: { code: 'vmid-held' } });
    if (!held.ok)
      expect(held.refusal.message).toBe(
        "VMID 9205 is held by a VM 'web-1' on pve2, which is not pve2's copy of base 5: pve-clonebot never replaces it",
      );
    const elsewhere = planRepair({
      base: 5,
      node: 'pve2',
      ...input({ pve1: [tpl(9105, 'local-lvm'), tpl(9205, 'local-lvm')] }),
    });
    expect(elsewhere).toMatchObject({
      ok: false,
      refusal: {
        code: 'vmid-held',
        details: ['migrate it back to pve2 (qm migrate 9205 pve2) or free the VMID, then repair'],
      },
    });
  });

  test('a copy being made at the target VMID (lock clone or migrate) is answered as a running repair', () => {
    const r = planRepair({
      base: 5,
      node: 'pve2',
      ...input(
        { pve1: [tpl(9105, 'local-lvm')] },
        { vms: [{ vmid: 9205, node: 'pve1', template: false, name: 'rocky-9', lock: 'migrate' }] },
      ),
    });
    expect(r).toMatchObject({
      ok: false,
      refusal: {
        code: 'repair-running',
        message:
          'VM 9205 is being made now on pve1 (lock: migrate): a repair or clone for base 5 on pve2 is already running; nothing started',
      },
    });
  });

  test('no healthy copy anywhere: each copy and the rules it fails', () => {
    const a = tpl(9105, 'local-lvm', { boot: 'order=net0', unused0: 'local-lvm:base-9105-disk-0,size=20G' });
    delete a.config.scsi0;
    const b = tpl(9305, 'local-lvm', { lock: 'backup' });
    const r = planRepair({ base: 5, node: 'pve2', ...input({ pve1: [a], pve3: [b] }) });
    expect(r).toMatchObject({
      ok: false,
      refusal: { code: 'no-healthy-copy', message: 'base 5 has no healthy copy to repair from' },
    });
    if (r.ok) return;
    expect(r.refusal.details[0]).toMatch(/^template 9105 on pve1 fails disk-only-unused: /);
    expect(r.refusal.details[1]).toBe(
      'template 9305 on pve3 fails lock-busy: template 9305 on pve3 is locked (backup): clones wait until it ends',
    );
  });

  test('bad input: base out of range, unknown base, unknown and offline node, already healthy, no room', () => {
    const one = input(
      { pve1: [tpl(9105, 'local-lvm')], pve2: [tpl(9205, 'local-lvm')] },
      { offline: ['pve3'] },
    );
    expect(planRepair({ base: 100, node: 'pve2', ...one })).toMatchObject({
      ok: false,
      refusal: { code: 'bad-base' },
    });
    expect(planRepair({ base: 7, node: 'pve2', ...one })).toMatchObject({
      ok: false,
      refusal: { code: 'unknown-base' },
    });
    expect(planRepair({ base: 5, node: 'pve9', ...one })).toMatchObject({
      ok: false,
      refusal: { code: 'unknown-node', message: 'node pve9 is not in the cluster (nodes: pve1, pve2, pve3)' },
    });
    expect(planRepair({ base: 5, node: 'pve3', ...one })).toMatchObject({
      ok: false,
      refusal: { code: 'node-offline' },
    });
    expect(planRepair({ base: 5, node: 'pve2', ...one })).toMatchObject({
      ok: false,
      refusal: { code: 'already-healthy' },
    });
    const full = input({ pve1: [tpl(9105, 'local-lvm')] }, { localFree: { pve2: 5 * GiB } });
    expect(planRepair({ base: 5, node: 'pve2', ...full })).toMatchObject({
      ok: false,
      refusal: { code: 'no-target-storage', details: ['local-lvm: 5.0 GiB free', 'ceph: 1.5 TiB free'] },
    });
  });
});
