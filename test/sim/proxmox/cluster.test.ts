import { afterEach, describe, expect, test } from 'vitest';
import { demoCluster, type ProxmoxSim, startProxmoxSim } from '../../../src/sim/proxmox/index.ts';
import { jumpClock } from './jump-clock.ts';
import { call, getData, waitFor } from './sim-http.ts';

const sims: ProxmoxSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});
async function start(options: Parameters<typeof startProxmoxSim>[0] = {}) {
  const sim = await startProxmoxSim({ clock: jumpClock(1000), authDelayMs: 0, ...options });
  sims.push(sim);
  return sim;
}

describe('/cluster/status and /nodes', () => {
  test('one cluster entry and per node the corosync nodeid (gaps kept), local and online flags', async () => {
    const spec = demoCluster();
    spec.nodes = [
      { name: 'pve1', nodeid: 1, ip: '10.0.0.11' },
      { name: 'pve4', nodeid: 4, ip: '10.0.0.14' },
    ];
    const sim = await start({ cluster: spec });
    expect(await getData(sim, '/cluster/status')).toEqual([
      { type: 'cluster', id: 'cluster', name: 'demo', nodes: 2, quorate: 1, version: 4 },
      {
        type: 'node',
        id: 'node/pve1',
        name: 'pve1',
        nodeid: 1,
        ip: '10.0.0.11',
        local: 1,
        online: 1,
        level: '',
      },
      {
        type: 'node',
        id: 'node/pve4',
        name: 'pve4',
        nodeid: 4,
        ip: '10.0.0.14',
        local: 0,
        online: 1,
        level: '',
      },
    ]);
  });

  test('a standalone host: no cluster entry, one node with nodeid 0', async () => {
    const spec = demoCluster();
    spec.standalone = true;
    spec.nodes = [{ name: 'pve', nodeid: 1 }];
    spec.vms = [];
    const sim = await start({ cluster: spec });
    const status = (await getData(sim, '/cluster/status')) as Record<string, unknown>[];
    expect(status).toHaveLength(1);
    expect(status[0]).toMatchObject({ type: 'node', name: 'pve', nodeid: 0, local: 1, online: 1 });
  });

  test('an offline node: offline in /nodes, online 0 in /cluster/status, 595 after the delay', async () => {
    const clock = jumpClock(1000);
    const sim = await start({ clock, offlineDelayMs: 5000 });
    sim.faults.nodeOffline('pve3', 'No route to host');
    const nodes = (await getData(sim, '/nodes')) as { node: string; status: string }[];
    expect(nodes.map((n) => [n.node, n.status])).toEqual([
      ['pve1', 'online'],
      ['pve2', 'online'],
      ['pve3', 'offline'],
    ]);
    const status = (await getData(sim, '/cluster/status')) as { name?: string; online?: number }[];
    expect(status.find((n) => n.name === 'pve3')?.online).toBe(0);
    const before = clock.now();
    const a = await call(sim, 'GET', '/nodes/pve3/qemu/9300/config');
    expect([a.status, a.reason, a.text]).toEqual([595, 'No route to host', '']);
    expect(clock.now() - before).toBeGreaterThanOrEqual(5000);
    sim.faults.nodeOnline('pve3');
    expect((await call(sim, 'GET', '/nodes/pve3/qemu/9300/config')).status).toBe(200);
  });

  test('/nodes/{node}/storage lists what is enabled there, sizes in bytes, content filter', async () => {
    const sim = await start();
    const all = (await getData(sim, '/nodes/pve1/storage')) as Record<string, unknown>[];
    expect(all.map((s) => s.storage)).toEqual(['local-lvm', 'local', 'ceph']);
    expect(all[0]).toMatchObject({
      type: 'lvmthin',
      content: 'images,rootdir',
      enabled: 1,
      active: 1,
      shared: 0,
    });
    expect(all[2]).toMatchObject({ type: 'rbd', shared: 1 });
    const s = all[0] as { total: number; used: number; avail: number };
    expect(s.total - s.used).toBe(s.avail);
    const images = (await getData(sim, '/nodes/pve1/storage?content=images')) as { storage: string }[];
    expect(images.map((x) => x.storage)).toEqual(['local-lvm', 'ceph']);
  });
});

describe('/cluster/nextid', () => {
  test('is a string; ?vmid=N answers N or 400 `VM N already exists`', async () => {
    const sim = await start();
    const a = await call(sim, 'GET', '/cluster/nextid');
    expect(a.text).toBe('{"data":"103"}');
    expect((await call(sim, 'GET', '/cluster/nextid?vmid=500')).text).toBe('{"data":"500"}');
    const taken = await call(sim, 'GET', '/cluster/nextid?vmid=112');
    expect([taken.status, taken.reason]).toEqual([400, 'Parameter verification failed.']);
    expect(taken.json).toEqual({
      data: null,
      errors: { vmid: 'VM 112 already exists' },
      message: 'Parameter verification failed.\n',
    });
  });

  test('a clone stub reserves its id; the range comes from the cluster spec', async () => {
    const spec = demoCluster();
    spec.nextId = { lower: 5000, upper: 5002 };
    const sim = await start({ cluster: spec });
    sim.faults.stuckCloneStub(5000, 'pve1');
    expect(await getData(sim, '/cluster/nextid')).toBe('5001');
    sim.faults.stuckCloneStub(5001, 'pve2');
    const a = await call(sim, 'GET', '/cluster/nextid');
    expect([a.status, a.reason]).toEqual([500, 'unable to get any free VMID in range [5000, 5002]']);
  });
});

describe('/cluster/resources', () => {
  test('templates and VMs with name/status/template; lock at once, the rest after ~10 s', async () => {
    // Slow enough (x2) that the 10 s lag is 5 real seconds: the poll surely sees the new VM inside it.
    const clock = jumpClock(2);
    const sim = await start({ clock, copyBytesPerSecond: 1024 ** 4 });
    const vms = (await getData(sim, '/cluster/resources?type=vm')) as Record<string, unknown>[];
    expect(vms.find((v) => v.vmid === 112)).toMatchObject({
      id: 'qemu/112',
      node: 'pve1',
      type: 'qemu',
      name: 'ubuntu-24.04',
      status: 'stopped',
      template: 1,
      maxdisk: 32 * 1024 ** 3,
    });
    expect(vms.find((v) => v.vmid === 100)).toMatchObject({ status: 'running', template: 0 });
    const upid = (
      await call(sim, 'POST', '/nodes/pve1/qemu/112/clone', { form: { newid: 300, name: 'fresh' } })
    ).json.data;
    const fresh = await waitFor(async () => {
      const list = (await getData(sim, '/cluster/resources?type=vm')) as Record<string, unknown>[];
      return list.find((v) => v.vmid === 300);
    });
    expect(fresh).toEqual({
      id: 'qemu/300',
      vmid: 300,
      node: 'pve1',
      type: 'qemu',
      status: 'unknown',
      lock: 'clone',
    });
    await waitFor(() => (sim.task(upid)?.status === 'stopped' ? true : undefined));
    clock.advance(10_000);
    const later = (await getData(sim, '/cluster/resources?type=vm')) as Record<string, unknown>[];
    expect(later.find((v) => v.vmid === 300)).toMatchObject({
      name: 'fresh',
      status: 'stopped',
      template: 0,
    });
    expect(later.find((v) => v.vmid === 300)).not.toHaveProperty('lock');
  });

  test('node and storage entries; VMs without VM.Audit are left out', async () => {
    const sim = await start();
    const all = (await getData(sim, '/cluster/resources')) as { type: string; id: string }[];
    expect(all.filter((r) => r.type === 'node')).toHaveLength(3);
    expect(all.map((r) => r.id)).toContain('storage/pve2/local-lvm');
    sim.faults.denyPrivilege('/vms/101', 'VM.Audit');
    const vms = (await getData(sim, '/cluster/resources?type=vm')) as { vmid: number }[];
    expect(vms.map((v) => v.vmid)).not.toContain(101);
    const cfg = await call(sim, 'GET', '/nodes/pve2/qemu/101/config');
    expect([cfg.status, cfg.reason]).toEqual([403, 'Permission check failed (/vms/101, VM.Audit)']);
  });
});
