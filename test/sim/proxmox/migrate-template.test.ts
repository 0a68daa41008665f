import { afterEach, describe, expect, test } from 'vitest';
import { scaledClock } from '../../../src/clock.ts';
import { type ProxmoxSim, startProxmoxSim } from '../../../src/sim/proxmox/index.ts';
import { call, waitFor } from './sim-http.ts';

const GiB = 1024 ** 3;
const sims: ProxmoxSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});
async function start() {
  const sim = await startProxmoxSim({ clock: scaledClock(300), authDelayMs: 0, copyBytesPerSecond: 2 * GiB });
  sims.push(sim);
  return sim;
}
async function post(sim: ProxmoxSim, path: string, form: Record<string, string | number> = {}) {
  const a = await call(sim, 'POST', path, { form });
  expect(a.status, a.reason).toBe(200);
  return a.json.data as string;
}
const stopped = (sim: ProxmoxSim, upid: string) =>
  waitFor(() => (sim.task(upid)?.status === 'stopped' ? sim.task(upid) : undefined));
const volumes = (sim: ProxmoxSim, storage: string, node: string) =>
  Object.keys(sim.storages().find((s) => s.storage === storage && s.node === node)?.volumes ?? {});

/** A full clone of the node-local base-5 template 9105 on pve1 into `newid` (a stopped VM on local-lvm). */
async function localCopy(sim: ProxmoxSim, newid: number) {
  const t = await stopped(
    sim,
    await post(sim, '/nodes/pve1/qemu/9105/clone', { newid, full: 1, name: 'rocky-9' }),
  );
  expect(t.exitstatus).toBe('OK');
}

describe('POST …/migrate (qmigrate, offline, local disks)', () => {
  test('moves a stopped VM with local disks to the target storage on the target node, under lock: migrate', async () => {
    const sim = await start();
    await localCopy(sim, 9305);
    const locks: (string | number | undefined)[] = [];
    sim.watchVm(9305, (vm) => locks.push(vm?.config.lock));
    const upid = await post(sim, '/nodes/pve1/qemu/9305/migrate', {
      target: 'pve3',
      targetstorage: 'local-lvm',
      'with-local-disks': 1,
    });
    expect(upid).toMatch(
      /^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:qmigrate:9305:clonebot@pve!slack:$/,
    );
    const task = await stopped(sim, upid);
    expect(task.exitstatus).toBe('OK');
    expect(locks).toContain('migrate');
    expect(sim.vm(9305)).toMatchObject({ node: 'pve3' });
    expect(sim.vm(9305)?.config).not.toHaveProperty('lock');
    expect(sim.vm(9305)?.config.scsi0).toBe('local-lvm:vm-9305-disk-0,size=20G');
    expect(volumes(sim, 'local-lvm', 'pve3')).toContain('vm-9305-disk-0');
    expect(volumes(sim, 'local-lvm', 'pve1')).not.toContain('vm-9305-disk-0');
    const log = task.log.join('\n');
    expect(log).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d starting migration of VM 9305 to node 'pve3' \(10\.0\.0\.13\)$/m,
    );
    expect(log).toContain("found local disk 'local-lvm:vm-9305-disk-0' (attached)");
    expect(log).toContain("volume 'local-lvm:vm-9305-disk-0' is 'local-lvm:vm-9305-disk-0' on the target");
    expect(log).toMatch(/migration finished successfully \(duration \d\d:\d\d:\d\d\)\nTASK OK$/);
  });

  test('refusals on the POST: local node, lock, running, storage not on the target, linked clone', async () => {
    const sim = await start();
    const local = await call(sim, 'POST', '/nodes/pve1/qemu/9105/migrate', { form: { target: 'pve1' } });
    expect(local.status).toBe(400);
    expect(local.json.errors).toEqual({ target: 'target is local node.' });
    await localCopy(sim, 9305);
    sim.faults.lockVm(9305, 'backup');
    const locked = await call(sim, 'POST', '/nodes/pve1/qemu/9305/migrate', { form: { target: 'pve2' } });
    expect([locked.status, locked.reason]).toEqual([500, 'VM is locked (backup)']);
    sim.faults.lockVm(9305, undefined);
    sim.addStorage({
      storage: 'fast',
      type: 'lvmthin',
      content: ['images'],
      shared: false,
      total: 100 * GiB,
      nodes: ['pve1'],
    });
    const notThere = await call(sim, 'POST', '/nodes/pve1/qemu/9305/migrate', {
      form: { target: 'pve2', targetstorage: 'fast' },
    });
    expect([notThere.status, notThere.reason]).toEqual([
      500,
      "storage 'fast' is not available on node 'pve2'",
    ]);
    const noNode = await call(sim, 'POST', '/nodes/pve1/qemu/9305/migrate', { form: { target: 'pve9' } });
    expect(noNode.reason).toBe("no such cluster node 'pve9'");
    const running = await call(sim, 'POST', '/nodes/pve1/qemu/100/migrate', { form: { target: 'pve2' } });
    expect(sim.vm(100)?.status).toBe('running');
    expect(running.reason).toBe("can't migrate running VM without --online");
    // A linked clone of a local template cannot leave its base volume's node.
    await stopped(sim, await post(sim, '/nodes/pve1/qemu/9105/clone', { newid: 450, name: 'linked' }));
    const t = await stopped(sim, await post(sim, '/nodes/pve1/qemu/450/migrate', { target: 'pve2' }));
    expect(t.exitstatus).toBe('migration aborted');
    expect(t.log.join('\n')).toContain(
      "can't migrate 'local-lvm:base-9105-disk-0/vm-450-disk-0' as it's a clone of 'base-9105-disk-0'",
    );
    expect(sim.vm(450)).toMatchObject({ node: 'pve1' });
    expect(sim.vm(450)?.config).not.toHaveProperty('lock');
  });

  test('a copy that breaks off half-way: migration aborted, phase-1 cleanup, VM stays where it was', async () => {
    const sim = await start();
    await localCopy(sim, 9305);
    sim.faults.failMigration({ vmid: 9305, atPercent: 50 });
    const task = await stopped(
      sim,
      await post(sim, '/nodes/pve1/qemu/9305/migrate', { target: 'pve3', targetstorage: 'local-lvm' }),
    );
    expect(task.exitstatus).toBe('migration aborted');
    const log = task.log.join('\n');
    expect(log).toContain('client_loop: send disconnect: Broken pipe');
    expect(log).toContain('aborting phase 1 - cleanup resources');
    expect(log).toMatch(
      /ERROR: migration aborted \(duration \d\d:\d\d:\d\d\): storage migration for 'local-lvm:vm-9305-disk-0' to storage 'local-lvm' failed - command '.*pvesm import.*' failed: exit code 255\nTASK ERROR: migration aborted$/,
    );
    expect(sim.vm(9305)).toMatchObject({ node: 'pve1' });
    expect(sim.vm(9305)?.config).not.toHaveProperty('lock');
    expect(volumes(sim, 'local-lvm', 'pve3')).not.toContain('vm-9305-disk-0');
    expect(volumes(sim, 'local-lvm', 'pve1')).toContain('vm-9305-disk-0');
  });

  test('a full target storage: the lvcreate error, nothing left on the target', async () => {
    const sim = await start();
    await localCopy(sim, 9305);
    sim.faults.fillStorage('local-lvm', 'pve3', GiB);
    const task = await stopped(
      sim,
      await post(sim, '/nodes/pve1/qemu/9305/migrate', { target: 'pve3', targetstorage: 'local-lvm' }),
    );
    expect(task.exitstatus).toBe('migration aborted');
    expect(task.log.join('\n')).toMatch(
      /lvcreate 'pve\/vm-9305-disk-0' error: {3}Volume group "pve" has insufficient free space \(256 extents\): 5120 required\./,
    );
    expect(volumes(sim, 'local-lvm', 'pve3')).not.toContain('vm-9305-disk-0');
    expect(sim.vm(9305)).toMatchObject({ node: 'pve1' });
  });

  test('an offline target: the worker cannot reach it', async () => {
    const sim = await start();
    await localCopy(sim, 9305);
    sim.faults.nodeOffline('pve3');
    const task = await stopped(sim, await post(sim, '/nodes/pve1/qemu/9305/migrate', { target: 'pve3' }));
    expect(task.exitstatus).toBe('migration aborted');
    expect(task.log.at(-2)).toMatch(
      /ERROR: migration aborted \(duration .*\): Can't connect to destination address using public key$/,
    );
  });
});

describe('POST …/template (qmtemplate) and templates that cannot start', () => {
  test('converts a stopped VM: template: 1 and base volumes; the template then cannot be started', async () => {
    const sim = await start();
    await localCopy(sim, 9305);
    const task = await stopped(sim, await post(sim, '/nodes/pve1/qemu/9305/template'));
    expect(task).toMatchObject({ type: 'qmtemplate', id: '9305', exitstatus: 'OK' });
    expect(task.log).toContain('  Renamed "vm-9305-disk-0" to "base-9305-disk-0" in volume group "pve"');
    expect(sim.vm(9305)?.config).toMatchObject({ template: 1, scsi0: 'local-lvm:base-9305-disk-0,size=20G' });
    expect(volumes(sim, 'local-lvm', 'pve1')).toContain('base-9305-disk-0');
    const again = await call(sim, 'POST', '/nodes/pve1/qemu/9305/template');
    expect(again.reason).toBe("you can't convert a template to a template");
    const startTask = await stopped(sim, await post(sim, '/nodes/pve1/qemu/9305/status/start'));
    expect(startTask).toMatchObject({
      type: 'qmstart',
      exitstatus: "you can't start a vm if it's a template",
    });
  });

  test('refused on a locked VM (a migration running) and waits out, then fails on, a task holding the config lock', async () => {
    const sim = await start();
    await localCopy(sim, 9305);
    sim.faults.lockVm(9305, 'migrate');
    const locked = await call(sim, 'POST', '/nodes/pve1/qemu/9305/template');
    expect([locked.status, locked.reason]).toEqual([500, 'VM is locked (migrate)']);
    sim.faults.lockVm(9305, undefined);
    // A clone from 9305 that never ends holds its config lock: the template worker times out on it.
    sim.faults.hangClone({ template: 9305 });
    await post(sim, '/nodes/pve1/qemu/9305/clone', { newid: 460, full: 1, name: 'busy' });
    const task = await stopped(sim, await post(sim, '/nodes/pve1/qemu/9305/template'));
    expect(task.exitstatus).toBe("can't lock file '/var/lock/qemu-server/lock-9305.conf' - got timeout");
    expect(sim.vm(9305)?.config).not.toHaveProperty('template');
  });

  test('a running VM cannot become a template', async () => {
    const sim = await start();
    await localCopy(sim, 9305);
    expect((await stopped(sim, await post(sim, '/nodes/pve1/qemu/9305/status/start'))).exitstatus).toBe('OK');
    const a = await call(sim, 'POST', '/nodes/pve1/qemu/9305/template');
    expect(a.reason).toBe("you can't convert a VM to template if VM is running");
    const m = await call(sim, 'POST', '/nodes/pve1/qemu/9305/migrate', { form: { target: 'pve2' } });
    expect(m.reason).toBe("can't migrate running VM without --online");
  });
});
