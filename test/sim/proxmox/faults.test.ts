import { afterEach, describe, expect, test } from 'vitest';
import { scaledClock } from '../../../src/clock.ts';
import { type ProxmoxSim, type ProxmoxSimOptions, startProxmoxSim } from '../../../src/sim/proxmox/index.ts';
import { call, getData, waitFor } from './sim-http.ts';

const GiB = 1024 ** 3;
const sims: ProxmoxSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});
async function start(options: ProxmoxSimOptions = {}) {
  const sim = await startProxmoxSim({
    clock: scaledClock(300),
    authDelayMs: 0,
    copyBytesPerSecond: 2 * GiB,
    ...options,
  });
  sims.push(sim);
  return sim;
}
async function clone(sim: ProxmoxSim, node: string, vmid: number, form: Record<string, string | number>) {
  const a = await call(sim, 'POST', `/nodes/${node}/qemu/${vmid}/clone`, { form });
  expect(a.status, a.reason).toBe(200);
  return a.json.data as string;
}
const stopped = (sim: ProxmoxSim, upid: string) =>
  waitFor(() => (sim.task(upid)?.status === 'stopped' ? sim.task(upid) : undefined));

describe('template faults', () => {
  test('the demo broken template 113 has its disk only in unused0 and boots from the network', async () => {
    const sim = await start();
    const conf = (await getData(sim, '/nodes/pve1/qemu/113/config')) as Record<string, unknown>;
    expect(conf).toMatchObject({
      name: 'broken-template',
      template: 1,
      unused0: 'local-lvm:base-113-disk-0',
      boot: 'order=net0',
    });
    expect(Object.keys(conf).filter((k) => /^(scsi|virtio|sata)\d+$/.test(k))).toEqual([]);
    expect(conf.digest).toMatch(/^[0-9a-f]{40}$/);
  });

  test('removeBootDisk, moveBootDiskToUnused, emptyBootOrder', async () => {
    const sim = await start();
    sim.faults.removeBootDisk(9100);
    expect(sim.vm(9100)?.config).not.toHaveProperty('scsi0');
    expect(sim.vm(9100)?.config.ide2).toBe('ceph:vm-9100-cloudinit,media=cdrom');
    sim.faults.moveBootDiskToUnused(112);
    expect(sim.vm(112)?.config).toMatchObject({
      unused0: 'local-lvm:base-112-disk-0',
      boot: 'order=ide2;net0',
    });
    expect(sim.vm(112)?.config).not.toHaveProperty('scsi0');
    sim.faults.emptyBootOrder(9105);
    expect((await getData(sim, '/nodes/pve1/qemu/9105/config')) as object).toMatchObject({ boot: 'order=' });
  });

  test('a clone of a template whose disk is in unused0 succeeds without any disk (what the engine must catch)', async () => {
    const sim = await start();
    const task = await stopped(sim, await clone(sim, 'pve1', 113, { newid: 400, full: 1 }));
    expect(task.exitstatus).toBe('OK');
    const conf = sim.vm(400)?.config ?? {};
    expect(Object.keys(conf).filter((k) => /^(scsi|unused)\d+$/.test(k))).toEqual([]);
  });
});

describe('clone task faults', () => {
  test('forced storage lock timeout after the 10 s lock wait', async () => {
    const sim = await start();
    sim.faults.storageLockTimeout({ template: 112 });
    const t0 = Date.now();
    const task = await stopped(sim, await clone(sim, 'pve1', 112, { newid: 401, full: 1 }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(10_000 / 300);
    expect(task.exitstatus).toBe(
      "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
    );
    expect(sim.vm(401)).toBeUndefined();
  });

  test('a failure mid-copy: progress up to the percent, then cleanup and Proxmox’s own error', async () => {
    const sim = await start();
    sim.faults.failClone(
      'storage migration failed: qemu-img: error while writing at byte 123: No space left on device',
      {
        atPercent: 30,
      },
    );
    const task = await stopped(sim, await clone(sim, 'pve1', 112, { newid: 402, full: 1 }));
    const reason =
      'storage migration failed: qemu-img: error while writing at byte 123: No space left on device';
    expect(task.exitstatus).toBe(`clone failed: ${reason}`);
    expect(task.log.at(-1)).toBe(`TASK ERROR: clone failed: ${reason}`);
    const last = task.log.filter((l) => l.startsWith('transferred')).at(-1) ?? '';
    expect(Number(/\((\d+\.\d+)%\)/.exec(last)?.[1])).toBeLessThan(30);
    expect((await call(sim, 'GET', '/nodes/pve1/qemu/402/config')).status).toBe(500);
    expect(
      sim
        .storages()
        .flatMap((s) => Object.keys(s.volumes))
        .filter((v) => v.includes('vm-402')),
    ).toEqual([]);
  });

  test('a failing linked clone fails after its disks', async () => {
    const sim = await start();
    sim.faults.failClone('rbd error: rbd: clone error: (2) No such file or directory');
    const task = await stopped(sim, await clone(sim, 'pve2', 9200, { newid: 403 }));
    expect(task.exitstatus).toBe('clone failed: rbd error: rbd: clone error: (2) No such file or directory');
    expect(sim.vm(403)).toBeUndefined();
  });

  test('`WARNINGS: N` ends a successful clone', async () => {
    const sim = await start();
    sim.faults.cloneWarnings(2);
    const task = await stopped(sim, await clone(sim, 'pve1', 9105, { newid: 404 }));
    expect(task.exitstatus).toBe('WARNINGS: 2');
    expect(task.log.at(-1)).toBe('TASK WARNINGS: 2');
    expect(sim.vm(404)?.config).not.toHaveProperty('lock');
  });

  test('a hung clone never ends and keeps `lock: clone` until it is stopped', async () => {
    const clock = scaledClock(300);
    const sim = await start({ clock });
    sim.faults.hangClone({ template: 112 });
    const upid = await clone(sim, 'pve1', 112, { newid: 405, full: 1 });
    await waitFor(() => sim.task(upid)?.log.find((l) => l.startsWith('transferred')));
    // 90 simulated seconds later (the copy alone would take 16) it is still running.
    await clock.sleep(90_000);
    expect(sim.task(upid)?.status).toBe('running');
    const vms = (await getData(sim, '/cluster/resources?type=vm')) as { vmid: number; lock?: string }[];
    expect(vms.find((v) => v.vmid === 405)?.lock).toBe('clone');
    await call(sim, 'DELETE', `/nodes/pve1/tasks/${encodeURIComponent(upid)}`);
    expect((await stopped(sim, upid)).exitstatus).toBe('clone failed: interrupted by signal');
    expect(sim.vm(405)).toBeUndefined();
  });

  test('a killed task ends `unexpected status` and leaves its `lock: clone` stub', async () => {
    const sim = await start({ clock: scaledClock(30) });
    const upid = await clone(sim, 'pve1', 112, { newid: 406, full: 1 });
    await waitFor(() => sim.task(upid)?.log.find((l) => l.startsWith('transferred')));
    sim.faults.killTask(upid);
    const task = await stopped(sim, upid);
    expect(task.exitstatus).toBe('unexpected status');
    expect(task.log.at(-1)).toMatch(/^transferred /);
    expect(sim.vm(406)?.config.lock).toBe('clone');
    // The lock is checked inside the qmdestroy task (qemu-server destroy_vm → check_lock).
    const locked = await call(sim, 'DELETE', '/nodes/pve1/qemu/406');
    expect(locked.status).toBe(200);
    expect((await stopped(sim, locked.json.data as string)).exitstatus).toBe('VM is locked (clone)');
    expect(sim.vm(406)?.config.lock).toBe('clone');
  });

  test('a stuck stub can be placed directly', async () => {
    const sim = await start();
    sim.faults.stuckCloneStub(407, 'pve2');
    expect(await getData(sim, '/nodes/pve2/qemu/407/config')).toEqual({
      lock: 'clone',
      digest: expect.any(String),
    });
  });
});

describe('VMID clashes', () => {
  const fileExists =
    "close (rename) atomic file '/etc/pve/nodes/pve1/qemu-server/101.conf' failed: File exists";

  test('a VMID that exists on another node: the POST returns a UPID, the task fails with File exists', async () => {
    const sim = await start();
    const task = await stopped(sim, await clone(sim, 'pve1', 112, { newid: 101 }));
    expect(task.exitstatus).toBe(fileExists);
    // PVE 9 (the default played) names the new VMID before it writes the stub (qemu-server 980dffe2).
    expect(task.log).toEqual(['creating a clone of VM 112 with ID 101', `TASK ERROR: ${fileExists}`]);
    // The other node's VM is untouched.
    expect(sim.vm(101)?.node).toBe('pve2');
    expect(sim.vm(101)?.config.name).toBe('db-01');
  });

  test('injected race: the id is taken on another node right after the POST', async () => {
    const sim = await start();
    sim.faults.vmidClash('pve3');
    const upid = await clone(sim, 'pve1', 112, { newid: 408 });
    const task = await stopped(sim, upid);
    expect(task.exitstatus).toBe(
      "close (rename) atomic file '/etc/pve/nodes/pve1/qemu-server/408.conf' failed: File exists",
    );
    expect(sim.vm(408)?.node).toBe('pve3');
  });
});

describe('API faults', () => {
  test('flaps: the next N matching requests answer 5xx without a Proxmox message, then it recovers', async () => {
    const sim = await start();
    sim.faults.flap({ method: 'GET', path: /^\/cluster\/resources/, count: 2, status: 503 });
    sim.faults.flap({ path: '/tasks', count: 1, status: 502 });
    const a = await call(sim, 'GET', '/cluster/resources?type=vm');
    const b = await call(sim, 'GET', '/cluster/resources?type=vm');
    const c = await call(sim, 'GET', '/cluster/resources?type=vm');
    expect([a.status, a.reason, a.text, b.status, c.status]).toEqual([
      503,
      'Service Unavailable',
      '',
      503,
      200,
    ]);
    expect((await call(sim, 'GET', '/nodes/pve1/tasks')).status).toBe(502);
    expect((await call(sim, 'GET', '/nodes/pve1/tasks')).status).toBe(200);
    expect(sim.requests.count('GET', '/cluster/resources')).toBe(3);
  });

  test('a dropped connection', async () => {
    const sim = await start();
    sim.faults.flap({ method: 'GET', path: '/version', count: 1, status: 'drop' });
    await expect(call(sim, 'GET', '/version')).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect((await call(sim, 'GET', '/version')).status).toBe(200);
    expect(sim.requests.filter('GET', '/version').map((r) => r.status)).toEqual([0, 200]);
  });

  test('a clone POST whose answer is lost after the task started', async () => {
    const sim = await start();
    sim.faults.loseCloneResponse({ template: 112 });
    await expect(call(sim, 'POST', '/nodes/pve1/qemu/112/clone', { form: { newid: 409 } })).rejects.toThrow();
    expect(sim.requests.count('POST', '/nodes/pve1/qemu/112/clone')).toBe(1);
    const tasks = (await getData(sim, '/cluster/tasks')) as { upid: string; type: string; id: string }[];
    const task = tasks.find((t) => t.type === 'qmclone' && t.id === '112');
    expect(task).toBeDefined();
    expect((await stopped(sim, task?.upid ?? '')).exitstatus).toBe('OK');
    expect(sim.vm(409)).toBeDefined();
  });

  test('request log: method, path, status and counts per path', async () => {
    const sim = await start();
    await call(sim, 'GET', '/cluster/nextid');
    await call(sim, 'POST', '/nodes/pve1/qemu/112/clone', { form: { newid: 410 } });
    await call(sim, 'GET', '/nodes/pve1/qemu/999/config');
    expect(sim.requests.countsByPath()).toEqual({
      'GET /cluster/nextid': 1,
      'POST /nodes/pve1/qemu/112/clone': 1,
      'GET /nodes/pve1/qemu/999/config': 1,
    });
    expect(sim.requests.entries.map((e) => e.status)).toEqual([200, 200, 500]);
  });
});
