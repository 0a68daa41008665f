import { describe, expect, it } from 'vitest';
import { evaluateTemplateHealth } from '../../src/core/health-rules.ts';
import type {
  HealthInput,
  HealthNodeInput,
  HealthReport,
  HealthTemplateInput,
} from '../../src/core/health-types.ts';
import type { StorageInfo } from '../../src/proxmox/types.ts';

const GiB = 1024 ** 3;
const NOW = 1_750_000_000_000;
const HOUR = 3_600_000;

const lvm = (avail = 200 * GiB, extra: Partial<StorageInfo> = {}): StorageInfo => ({
  storage: 'local-lvm',
  type: 'lvmthin',
  content: ['images', 'rootdir'],
  enabled: true,
  active: true,
  shared: false,
  total: 500 * GiB,
  used: 500 * GiB - avail,
  avail,
  ...extra,
});

/** A healthy template config in the shape GET …/config returns. */
const tpl = (vmid: number, over: Record<string, string | number | undefined> = {}): HealthTemplateInput => {
  const config: Record<string, string | number> = {
    boot: 'order=scsi0;ide2;net0',
    ide0: `local-lvm:vm-${vmid}-cloudinit,media=cdrom`,
    ide2: 'none,media=cdrom',
    name: `ubuntu-${vmid}`,
    net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr0',
    ostype: 'l26',
    scsi0: `local-lvm:base-${vmid}-disk-0,size=32G`,
    template: 1,
  };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete config[k];
    else config[k] = v;
  }
  return { vmid, name: String(config.name), config };
};

const nodeIn = (
  node: string,
  templates: HealthTemplateInput[],
  over: Partial<HealthNodeInput> = {},
): HealthNodeInput => ({
  node,
  online: true,
  templates,
  storages: [lvm()],
  ...over,
});

const run = (
  nodes: HealthNodeInput[],
  ids: [string, number][] = [
    ['pve1', 1],
    ['pve2', 2],
    ['pve3', 3],
  ],
) =>
  evaluateTemplateHealth(
    { nodes, nodeIds: new Map(ids), thresholds: { lockStuckMs: HOUR } } satisfies HealthInput,
    NOW,
  );

const template = (r: HealthReport, node: string, vmid: number) => {
  const t = r.nodes.find((n) => n.node === node)?.templates.find((x) => x.vmid === vmid);
  if (!t) throw new Error(`no ${vmid} on ${node}`);
  return t;
};
const codes = (r: HealthReport, node: string, vmid: number) =>
  template(r, node, vmid).findings.map((f) => f.code);

describe('evaluateTemplateHealth', () => {
  it('finds nothing wrong with matching copies of a base on every node', () => {
    const r = run([nodeIn('pve1', [tpl(9105)]), nodeIn('pve2', [tpl(9205)])]);
    expect(r.summary).toEqual({
      templates: 2,
      healthy: 2,
      withProblems: 0,
      errors: 0,
      warnings: 0,
      missingCopies: 0,
      nodesOnline: 2,
      nodesOffline: [],
      ok: true,
    });
    expect(template(r, 'pve2', 9205)).toMatchObject({
      base: 5,
      bootDisk: 'scsi0',
      healthy: true,
      findings: [],
    });
    expect(r.checkedAt).toBe(NOW);
  });

  it('names a missing disk and a disk left in unused0 with concrete fixes', () => {
    const r = run([
      nodeIn('pve1', [tpl(9105)]),
      nodeIn('pve2', [
        tpl(9205, { scsi0: undefined, unused0: 'local-lvm:vm-9205-disk-0' }),
        tpl(9206, { scsi0: undefined }),
      ]),
      nodeIn('pve3', [tpl(9305), tpl(9306)]),
    ]);
    const unused = template(r, 'pve2', 9205).findings[0];
    expect(unused).toMatchObject({ id: 'pve2/9205/disk-only-unused', severity: 'error', base: 5 });
    expect(unused?.fix).toBe(
      'move the disk from unused0 back: qm set 9205 --scsi0 local-lvm:vm-9205-disk-0 && qm set 9205 --boot order=scsi0; or recreate template 9205 on pve2 from base 5',
    );
    expect(template(r, 'pve2', 9206).findings[0]?.fix).toBe(
      'recreate template 9206 on pve2 from base 6: disk scsi0 missing',
    );
    expect(r.summary).toMatchObject({ templates: 5, healthy: 3, withProblems: 2, ok: false });
  });

  it('reports an empty boot order, a 0-byte disk and a disk not first in the boot order', () => {
    const r = run(
      [
        nodeIn('pve1', [
          tpl(9101, { boot: 'order=' }),
          tpl(9102, { scsi0: 'local-lvm:base-9102-disk-0,size=0' }),
          tpl(9103, { boot: 'order=net0;scsi0' }),
        ]),
      ],
      [['pve1', 1]],
    );
    expect(codes(r, 'pve1', 9101)).toEqual(['boot-order-empty']);
    expect(template(r, 'pve1', 9101).findings[0]?.fix).toBe(
      "put the boot disk first: qm set 9101 --boot 'order=scsi0'",
    );
    expect(codes(r, 'pve1', 9102)).toEqual(['zero-size-disk']);
    expect(template(r, 'pve1', 9103).findings[0]?.fix).toBe(
      "put the boot disk first: qm set 9103 --boot 'order=scsi0;net0'",
    );
  });

  it('tells a stuck lock (with kind) from a busy one', () => {
    const r = run(
      [
        nodeIn('pve1', [
          { ...tpl(9101), lock: 'backup', lockSince: NOW - 3 * HOUR },
          { ...tpl(9102), lock: 'backup', lockSince: NOW - 60_000 },
          tpl(9103, { lock: 'migrate' }),
        ]),
      ],
      [['pve1', 1]],
    );
    const stuck = template(r, 'pve1', 9101).findings[0];
    expect(stuck).toMatchObject({ code: 'lock-stuck', severity: 'error' });
    expect(stuck?.message).toBe(
      'template 9101 on pve1 has been locked (backup) for 3h 00m 00s: the lock looks stuck',
    );
    expect(stuck?.fix).toContain('only if none is running, remove the lock with qm unlock 9101');
    expect(template(r, 'pve1', 9102).findings[0]).toMatchObject({ code: 'lock-busy', severity: 'info' });
    expect(template(r, 'pve1', 9102).healthy).toBe(true);
    expect(template(r, 'pve1', 9103).findings[0]).toMatchObject({
      code: 'lock-busy',
      message: expect.stringContaining('(migrate)'),
    });
  });

  it('checks the storages of the disks: missing, disabled, inactive, and room for a full clone', () => {
    const nfsDisk = { scsi1: 'nfs:9101/vm-9101-disk-1.qcow2,size=8G' };
    const r = run([
      nodeIn('pve1', [tpl(9101, nfsDisk)]),
      nodeIn('pve2', [tpl(9201)], { storages: [lvm(200 * GiB, { enabled: false })] }),
      nodeIn('pve3', [tpl(9301)], { storages: [lvm(200 * GiB, { active: false })] }),
    ]);
    expect(template(r, 'pve1', 9101).findings[0]).toMatchObject({
      code: 'storage-missing',
      id: 'pve1/9101/storage-missing/nfs',
    });
    expect(template(r, 'pve1', 9101).findings[0]?.message).toBe(
      'template 9101 on pve1: storage nfs of scsi1 is not available on pve1',
    );
    expect(codes(r, 'pve2', 9201)).toEqual(['storage-disabled']);
    expect(codes(r, 'pve3', 9301)).toEqual(['storage-inactive']);
    const full = run(
      [
        nodeIn('pve1', [tpl(9101, { efidisk0: 'local-lvm:base-9101-disk-1,size=4M' })], {
          storages: [lvm(20 * GiB)],
        }),
      ],
      [['pve1', 1]],
    );
    expect(template(full, 'pve1', 9101).findings[0]).toMatchObject({
      code: 'storage-full',
      severity: 'warning',
      message:
        'template 9101 on pve1: storage local-lvm on pve1 has 20.0 GiB free; a full clone needs 32.0 GiB',
    });
  });

  it('lists every base missing on an online node, and a copy sitting on the wrong node', () => {
    const r = run([
      nodeIn('pve1', [tpl(9105), tpl(9107), tpl(9205)]),
      nodeIn('pve2', [tpl(9207)]),
      nodeIn('pve3', [], { online: false }),
    ]);
    const pve2 = r.nodes.find((n) => n.node === 'pve2');
    expect(pve2?.findings).toEqual([
      expect.objectContaining({
        id: 'pve2/base-5/copy-missing',
        code: 'copy-missing',
        message: 'base 5 has no copy on pve2: template 9205 is on pve1 instead',
        fix: 'migrate template 9205 from pve1 back to pve2 (qm migrate 9205 pve2) or recreate it on pve2 from base 5',
      }),
    ]);
    expect(template(r, 'pve1', 9205).findings[0]).toMatchObject({
      code: 'vmid-wrong-node',
      severity: 'warning',
    });
    expect(template(r, 'pve1', 9205).findings[0]?.message).toBe(
      'template 9205 is on pve1, but its VMID is in the range of node 2 (pve2)',
    );
    // The offline node is reported, not failed on: nothing is listed as missing there.
    const pve3 = r.nodes.find((n) => n.node === 'pve3');
    expect(pve3?.findings.map((f) => f.code)).toEqual(['node-offline']);
    expect(r.summary).toMatchObject({ missingCopies: 1, nodesOffline: ['pve3'], nodesOnline: 2 });
    const fresh = run([nodeIn('pve1', [tpl(9105)]), nodeIn('pve2', [])]);
    expect(fresh.nodes[1]?.findings[0]?.fix).toBe(
      'recreate template 9205 on pve2 from base 5 (copy of template 9105 on pve1)',
    );
  });

  it('flags copies that drift apart: disk size, OS type, cloud-init', () => {
    const r = run([
      nodeIn('pve1', [tpl(9105)]),
      nodeIn('pve2', [tpl(9205, { scsi0: 'local-lvm:base-9205-disk-0,size=40G', ide0: undefined })]),
      nodeIn('pve3', [tpl(9305, { ostype: 'win11' })]),
    ]);
    expect(codes(r, 'pve1', 9105)).toEqual([]);
    expect(codes(r, 'pve2', 9205)).toEqual(['copy-drift-disk-size', 'cloudinit-missing']);
    const drift = template(r, 'pve2', 9205).findings[0];
    expect(drift?.message).toBe(
      'template 9205 on pve2: boot disk size 40.0 GiB differs from other copies of base 5: 32.0 GiB (9105 on pve1), 32.0 GiB (9305 on pve3)',
    );
    expect(drift?.fix).toBe('recreate template 9205 on pve2 from base 5 so all copies match');
    expect(template(r, 'pve2', 9205).findings[1]?.fix).toBe(
      'add it: qm set 9205 --ide0 local-lvm:cloudinit (use a storage pve2 has)',
    );
    expect(codes(r, 'pve3', 9305)).toEqual(['copy-drift-ostype']);
    // Two copies that disagree with no majority: both are named.
    const tie = run([nodeIn('pve1', [tpl(9105)]), nodeIn('pve2', [tpl(9205, { ostype: 'win11' })])]);
    expect(codes(tie, 'pve1', 9105)).toEqual(['copy-drift-ostype']);
    expect(codes(tie, 'pve2', 9205)).toEqual(['copy-drift-ostype']);
  });

  it('notes templates outside the scheme and nodes without an id', () => {
    const r = run([nodeIn('pve1', [tpl(112)]), nodeIn('pve9', [tpl(9905)])], [['pve1', 1]]);
    expect(template(r, 'pve1', 112).findings[0]).toMatchObject({
      code: 'vmid-outside-scheme',
      severity: 'info',
    });
    expect(template(r, 'pve1', 112).healthy).toBe(true);
    expect(r.nodes[1]?.findings[0]).toMatchObject({
      code: 'node-id-missing',
      fix: 'add pve9 to TEMPLATE_NODE_IDS (e.g. pve9=N with an unused N)',
    });
    expect(template(r, 'pve9', 9905).base).toBeUndefined();
  });

  it('keeps finding ids stable between runs', () => {
    const nodes = [nodeIn('pve1', [tpl(9105, { boot: 'order=' })]), nodeIn('pve2', [])];
    const ids = (r: HealthReport) =>
      r.nodes.flatMap((n) => [...n.findings, ...n.templates.flatMap((t) => t.findings)]).map((f) => f.id);
    expect(ids(run(nodes))).toEqual(
      ids(
        evaluateTemplateHealth(
          {
            nodes,
            nodeIds: new Map([
              ['pve1', 1],
              ['pve2', 2],
            ]),
            thresholds: { lockStuckMs: 1 },
          },
          NOW + 1,
        ),
      ),
    );
    expect(new Set(ids(run(nodes))).size).toBe(ids(run(nodes)).length);
  });
});
