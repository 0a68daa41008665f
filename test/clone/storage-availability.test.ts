import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectDisks } from '../../src/core/boot-disk.ts';
import { storageFindings } from '../../src/core/template-findings.ts';
import { demoCluster } from '../../src/sim/proxmox/demo-cluster.ts';
import { call } from '../sim/proxmox/sim-http.ts';
import { type CloneHarness, cloneRequest, startCloneHarness } from './clone-harness.ts';

const GiB = 1024 ** 3;
let h: CloneHarness;
beforeAll(async () => {
  const cluster = demoCluster();
  cluster.storages.push(
    // Limited to pve2 (storage.cfg `nodes pve2`): pve1 lists it with `enabled: 0`.
    {
      storage: 'fast',
      type: 'lvmthin',
      content: ['images'],
      shared: false,
      total: 200 * GiB,
      nodes: ['pve2'],
    },
    // `disable 1`: every node lists it with `enabled: 0`.
    { storage: 'old', type: 'lvmthin', content: ['images'], shared: false, total: 200 * GiB, enabled: false },
  );
  // Disks on shared ceph, but an ISO on node-local `local` in its CD-ROM drive.
  cluster.vms.push({
    vmid: 9400,
    node: 'pve1',
    config: {
      name: 'iso-template',
      template: 1,
      boot: 'order=scsi0',
      scsi0: 'ceph:base-9400-disk-0,size=8G',
      ide0: 'local:iso/debian-12.iso,media=cdrom,size=628M',
    },
  });
  h = await startCloneHarness({ sim: { cluster } });
});
afterAll(() => h.close());

// pve-storage `storage_info` lists every storage, `enabled: 0` both for `disable 1` and for a `nodes` list
// without this node; GET /storage (storage.cfg) tells them apart.
describe('a storage that is not on this node is not called disabled', () => {
  it('the node listing has both with enabled 0, and the client tells why', async () => {
    const list = await h.client.listStorages('pve1');
    expect(list.find((s) => s.storage === 'fast')).toMatchObject({
      enabled: false,
      active: false,
      unavailable: { reason: 'not-on-node', nodes: ['pve2'] },
    });
    expect(list.find((s) => s.storage === 'old')).toMatchObject({
      enabled: false,
      unavailable: { reason: 'disabled' },
    });
    expect((await h.client.listStorages('pve2')).find((s) => s.storage === 'fast')).toMatchObject({
      enabled: true,
      active: true,
    });
  });

  it('preflight: "not available on node pve1" for one, "disabled" for the other', async () => {
    const notHere = await h.engine.preflight(cloneRequest(9105, 'y1', 'pve1', { storage: 'fast' }));
    expect(notHere.ok || notHere.diagnosis).toMatchObject({
      reason: 'storage-invalid',
      summary: 'Storage fast is not available on node pve1',
      advice: [
        'pick a storage that pve1 has, or add pve1 to the nodes of fast (Datacenter → Storage → Edit → Nodes)',
      ],
    });
    const off = await h.engine.preflight(cloneRequest(9105, 'y2', 'pve1', { storage: 'old' }));
    expect(off.ok || off.diagnosis.summary).toBe(
      'Storage old cannot take the clone: it is disabled (Datacenter → Storage)',
    );
    // And Proxmox itself, asked directly, words them the same way (qemu-server clone_vm, storage_check_enabled).
    const post = async (storage: string) =>
      (await call(h.sim, 'POST', '/nodes/pve1/qemu/9105/clone', { form: { newid: 4100, full: 1, storage } }))
        .reason;
    expect(await post('fast')).toBe("storage 'fast' is not available on node 'pve1'");
    expect(await post('old')).toBe("storage 'old' is disabled");
  });

  it('health: a template disk on a storage of other nodes is "not available on pve1", not "disabled"', async () => {
    const storages = await h.client.listStorages('pve1');
    const subject = { vmid: 9105, node: 'pve1' };
    const onFast = storageFindings(
      inspectDisks({ scsi0: 'fast:base-9105-disk-0,size=8G' }),
      storages,
      subject,
    );
    expect(onFast.map((f) => [f.code, f.message])).toEqual([
      ['storage-missing', expect.stringMatching(/storage fast of scsi0 is not available on pve1$/)],
    ]);
    const onOld = storageFindings(inspectDisks({ scsi0: 'old:base-9105-disk-0,size=8G' }), storages, subject);
    expect(onOld.map((f) => [f.code, f.message])).toEqual([
      ['storage-disabled', expect.stringMatching(/storage old of scsi0 is disabled$/)],
    ]);
  });
});

// qemu-server `$check_storage_access_clone`: `target` needs every SOURCE volume shared, CD-ROM ISOs included.
describe('target is decided by the source volumes', () => {
  it('an ISO on local storage pins the template to its node, even with shared disks and storage', async () => {
    const r = await h.engine.preflight(cloneRequest(9400, 'y3', 'pve1', { target: 'pve2', storage: 'ceph' }));
    expect(r.ok || r.diagnosis.summary).toBe(
      "The template's disks are on local storage, so it cannot be cloned to node pve2",
    );
    const post = await call(h.sim, 'POST', '/nodes/pve1/qemu/9400/clone', {
      form: { newid: 4101, full: 1, target: 'pve2', storage: 'ceph' },
    });
    expect(post.reason).toBe("can't clone VM to node 'pve2' (VM uses local storage)");
  });
});
