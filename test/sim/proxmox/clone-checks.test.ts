import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ProxmoxSim, startProxmoxSim } from '../../../src/sim/proxmox/index.ts';
import { jumpClock } from './jump-clock.ts';
import { call } from './sim-http.ts';

let sim: ProxmoxSim;
beforeAll(async () => {
  sim = await startProxmoxSim({ clock: jumpClock(1000), authDelayMs: 0 });
});
afterAll(() => sim.close());

const clone = (node: string, vmid: number, form: Record<string, string | number>) =>
  call(sim, 'POST', `/nodes/${node}/qemu/${vmid}/clone`, { form });

/** Every check below must fail before any task exists. */
function expectNoTask() {
  expect(sim.tasks().filter((t) => t.type === 'qmclone')).toEqual([]);
}

describe('parameter verification (400)', () => {
  test('a name that is not a DNS name', async () => {
    const a = await clone('pve1', 112, { newid: 200, name: 'test_clone' });
    expect([a.status, a.reason, a.contentType]).toEqual([
      400,
      'Parameter verification failed.',
      'application/json;charset=UTF-8',
    ]);
    expect(a.text).toBe(
      '{"data":null,"errors":{"name":"invalid format - value does not look like a valid DNS name\\n"},"message":"Parameter verification failed.\\n"}',
    );
    expectNoTask();
  });

  test('newid missing, out of range, or not a number; unknown parameters; bad booleans', async () => {
    expect((await clone('pve1', 112, { name: 'x' })).json.errors).toEqual({
      newid: 'property is missing and it is not optional',
    });
    // pve-vmid's format (pve-common JSONSchema.pm pve_verify_vmid) is checked before the range.
    expect((await clone('pve1', 112, { newid: 99 })).json.errors).toEqual({
      newid: 'invalid format - value does not look like a valid VM ID\n',
    });
    expect((await clone('pve1', 112, { newid: 1_000_000_000 })).json.errors).toEqual({
      newid: 'invalid format - value does not look like a valid VM ID\n',
    });
    // Only 0 and 1 are booleans (JSONSchema.pm check_type has true/yes/on commented out).
    expect((await clone('pve1', 112, { newid: 200, full: 'true' })).json.errors).toEqual({
      full: "type check ('boolean') failed - got 'true'",
    });
    expect((await clone('pve1', 112, { newid: 200, full: 'maybe', colour: 'red' })).json.errors).toEqual({
      full: "type check ('boolean') failed - got 'maybe'",
      colour: 'property is not defined in schema and the schema does not allow additional properties',
    });
    expectNoTask();
  });
});

describe('synchronous clone errors', () => {
  const cases: [string, string, number, Record<string, string | number>, number, string][] = [
    [
      'source not on this node',
      'pve2',
      112,
      { newid: 200 },
      500,
      "Configuration file 'nodes/pve2/qemu-server/112.conf' does not exist",
    ],
    [
      'no such VM',
      'pve1',
      4242,
      { newid: 200 },
      500,
      "Configuration file 'nodes/pve1/qemu-server/4242.conf' does not exist",
    ],
    [
      'storage for a linked clone',
      'pve1',
      112,
      { newid: 200, storage: 'local-lvm' },
      500,
      "parameter 'storage' not allowed for linked clones",
    ],
    [
      'storage for an explicit linked clone',
      'pve1',
      112,
      { newid: 200, full: 0, storage: 'ceph' },
      500,
      "parameter 'storage' not allowed for linked clones",
    ],
    [
      'format for a linked clone',
      'pve1',
      112,
      { newid: 200, format: 'qcow2' },
      500,
      "parameter 'format' not allowed for linked clones",
    ],
    [
      'unknown storage',
      'pve1',
      112,
      { newid: 200, full: 1, storage: 'nope' },
      500,
      "storage 'nope' does not exist",
    ],
    [
      'target with a non-shared storage',
      'pve1',
      112,
      { newid: 200, full: 1, target: 'pve2', storage: 'local-lvm' },
      500,
      "can't clone to non-shared storage 'local-lvm'",
    ],
    [
      'target while disks are local',
      'pve1',
      112,
      { newid: 200, full: 1, target: 'pve2' },
      500,
      "can't clone VM to node 'pve2' (VM uses local storage)",
    ],
    ['target unknown', 'pve1', 9100, { newid: 200, target: 'pve9' }, 500, "no such cluster node 'pve9'"],
    [
      'new id taken on this node',
      'pve1',
      112,
      { newid: 100 },
      500,
      'unable to create VM 100: config file already exists',
    ],
    [
      'linked clone of a VM that is no template',
      'pve1',
      100,
      { newid: 200, full: 0 },
      500,
      "Linked clone feature is not supported for 'local-lvm:vm-100-disk-0' (scsi0)",
    ],
    // load_and_check's `$rpcenv->check_pool_exist($pool)`: a 403 from pve-access-control, not a 500.
    [
      'unknown pool',
      'pve1',
      112,
      { newid: 200, pool: 'prod' },
      403,
      "Permission check failed (pool 'prod' does not exist)",
    ],
    [
      // `$check_storage_access_clone` decides `sharedvm` from the source's disks: `storage` does not help.
      'target with a shared storage while the source disks are local',
      'pve1',
      112,
      { newid: 200, full: 1, target: 'pve2', storage: 'ceph' },
      500,
      "can't clone VM to node 'pve2' (VM uses local storage)",
    ],
    ['snapshot', 'pve1', 112, { newid: 200, snapname: 'before' }, 500, "snapshot 'before' does not exist"],
  ];
  test.each(cases)('%s', async (_what, node, vmid, form, status, message) => {
    const a = await clone(node, vmid, form);
    expect([a.status, a.reason]).toEqual([status, message]);
    expect(a.json).toEqual({ data: null, message: `${message}\n` });
    expectNoTask();
  });

  // qemu-server clone_vm: `raise_param_exc({ storage => "storage '$storage' does not support vm images" })`.
  test('a storage without Disk image content: 400 with the reason in errors.storage', async () => {
    const a = await clone('pve1', 112, { newid: 200, full: 1, storage: 'local' });
    expect([a.status, a.reason]).toEqual([400, 'Parameter verification failed.']);
    expect(a.json).toEqual({
      data: null,
      errors: { storage: "storage 'local' does not support vm images" },
      message: 'Parameter verification failed.\n',
    });
    expectNoTask();
  });

  test('a VMID on ANOTHER node passes the (local-only) check', async () => {
    // 101 lives on pve2; the POST on pve1 is accepted and the task fails later (see the faults tests).
    const a = await clone('pve1', 112, { newid: 101 });
    expect(a.status).toBe(200);
    expect(a.json.data).toMatch(/^UPID:pve1:/);
  });

  test('a locked template: `VM is locked (backup)`', async () => {
    sim.faults.lockVm(9105, 'backup');
    const a = await clone('pve1', 9105, { newid: 201 });
    expect([a.status, a.reason]).toEqual([500, 'VM is locked (backup)']);
    sim.faults.lockVm(9105, undefined);
  });

  test('missing privileges: 403 `Permission check failed (path, privilege)`', async () => {
    sim.faults.denyPrivilege('/vms/9105', 'VM.Clone');
    const a = await clone('pve1', 9105, { newid: 202 });
    expect([a.status, a.reason]).toEqual([403, 'Permission check failed (/vms/9105, VM.Clone)']);
    sim.faults.denyPrivilege('/storage/ceph', 'Datastore.AllocateSpace');
    const b = await clone('pve1', 112, { newid: 202, full: 1, storage: 'ceph' });
    expect([b.status, b.reason]).toEqual([
      403,
      'Permission check failed (/storage/ceph, Datastore.AllocateSpace)',
    ]);
    sim.faults.clear();
  });

  // qemu-server clone_vm `permissions`: ['and', VM.Clone on /vms/{vmid}, ['or', VM.Allocate on /vms/{newid},
  // VM.Allocate on /pool/{pool} (require_param pool)]]; the failed `or` raises a bare `Permission check failed`
  // (pve-access-control RPCEnvironment exec_api2_perm_check).
  test('VM.Allocate on /vms/{newid} or on /pool/{pool}; neither: a bare `Permission check failed`', async () => {
    sim.faults.denyPrivilege('/vms', 'VM.Allocate');
    const a = await clone('pve1', 9105, { newid: 203 });
    expect([a.status, a.reason]).toEqual([403, 'Permission check failed']);
    expect(a.json).toEqual({ data: null, message: 'Permission check failed\n' });
    const viaPool = await clone('pve1', 9105, { newid: 203, pool: 'dev' });
    expect(viaPool.status, viaPool.reason).toBe(200);
    sim.faults.denyPrivilege('/pool/dev', 'VM.Allocate');
    const neither = await clone('pve1', 9105, { newid: 204, pool: 'dev' });
    expect([neither.status, neither.reason]).toEqual([403, 'Permission check failed']);
    sim.faults.clear();
  });

  // `$check_storage_access_clone`: Datastore.AllocateSpace on each non-CD-ROM disk's storage, or on `storage`.
  test('Datastore.AllocateSpace on every disk storage: the source storage for a linked clone', async () => {
    sim.faults.denyPrivilege('/storage/ceph', 'Datastore.AllocateSpace');
    const linked = await clone('pve1', 9100, { newid: 205 });
    expect([linked.status, linked.reason]).toEqual([
      403,
      'Permission check failed (/storage/ceph, Datastore.AllocateSpace)',
    ]);
    // A full copy to local-lvm needs the privilege there only (cloud-init counts as a CD-ROM in this check).
    const full = await clone('pve1', 9100, { newid: 205, full: 1, storage: 'local-lvm' });
    expect(full.status, full.reason).toBe(200);
    sim.faults.clear();
  });

  // qemu-server check_bridge_access → pve-guest-common check_vnet_access: zone `localnetwork` for a plain bridge.
  test('SDN.Use on each network device bridge', async () => {
    sim.faults.denyPrivilege('/sdn/zones/localnetwork/vmbr0', 'SDN.Use');
    const a = await clone('pve1', 9105, { newid: 206 });
    expect([a.status, a.reason]).toEqual([
      403,
      'Permission check failed (/sdn/zones/localnetwork/vmbr0, SDN.Use)',
    ]);
    sim.faults.clear();
  });
});

describe('linked clones depend on the storage type (pve-storage volume_has_feature `clone`)', () => {
  test('dir/NFS base images and LVM-thin can; thick LVM cannot', async () => {
    const GiB = 1024 ** 3;
    const own = await startProxmoxSim({
      clock: jumpClock(1000),
      authDelayMs: 0,
      cluster: {
        nodes: [{ name: 'pve1', nodeid: 1 }],
        storages: [
          { storage: 'nfs', type: 'nfs', content: ['images'], shared: true, total: 100 * GiB },
          { storage: 'thick', type: 'lvm', content: ['images'], shared: false, total: 100 * GiB },
        ],
        vms: [
          {
            vmid: 300,
            node: 'pve1',
            config: { name: 'q', template: 1, scsi0: 'nfs:300/base-300-disk-0.qcow2,size=8G' },
          },
          {
            vmid: 301,
            node: 'pve1',
            config: { name: 'r', template: 1, scsi0: 'nfs:301/base-301-disk-0.raw,size=8G' },
          },
          {
            vmid: 302,
            node: 'pve1',
            config: { name: 't', template: 1, scsi0: 'thick:base-302-disk-0,size=8G' },
          },
        ],
      },
    });
    try {
      const post = (vmid: number, newid: number) =>
        call(own, 'POST', `/nodes/pve1/qemu/${vmid}/clone`, { form: { newid } });
      expect((await post(300, 400)).status).toBe(200);
      expect((await post(301, 401)).status).toBe(200);
      const thick = await post(302, 402);
      expect([thick.status, thick.reason]).toEqual([
        500,
        "Linked clone feature is not supported for 'thick:base-302-disk-0' (scsi0)",
      ]);
    } finally {
      await own.close();
    }
  });
});
