import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type Clock, scaledClock } from '../../../src/clock.ts';
import { type ProxmoxSim, type ProxmoxSimOptions, startProxmoxSim } from '../../../src/sim/proxmox/index.ts';
import type { PveVersion } from '../../../src/sim/proxmox/types.ts';
import { call, getData, waitFor } from './sim-http.ts';

const GiB = 1024 ** 3;
const sims: ProxmoxSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});
// Every scenario runs against both release lines (issue 13 item 7); `playing` is the one of the running block.
const VERSIONS: readonly PveVersion[] = ['8.4', '9'];
let playing: PveVersion = '9';
/** PVE 9's qemu-server `clone_disk` logs each new volume of a full copy (commit 473b6774); 8.4's does not. */
const allocated = (volid: string) => (playing === '9' ? [`allocated target volume '${volid}'`] : []);
/** PVE 9's clone log opens by naming the new VMID (qemu-server 980dffe2, 9.1.6); 8.4's never does. */
const opening = (vmid: number, newid: number) =>
  playing === '9' ? [`creating a clone of VM ${vmid} with ID ${newid}`] : [];
async function start(options: ProxmoxSimOptions = {}) {
  const sim = await startProxmoxSim({
    clock: scaledClock(300),
    authDelayMs: 0,
    pveVersion: playing,
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

/** Starts recording every state VM `vmid` goes through (call before the POST); `done` waits for the task. */
function recordConfigs(sim: ProxmoxSim, vmid: number) {
  const seen: (Record<string, string | number> | 'absent')[] = ['absent'];
  const stop = sim.watchVm(vmid, (vm) => {
    const now = vm ? { ...vm.config, _node: vm.node } : 'absent';
    if (JSON.stringify(now) !== JSON.stringify(seen.at(-1))) seen.push(now);
  });
  return async (upid: string) => {
    await stopped(sim, upid);
    stop();
    return seen;
  };
}

describe.each(VERSIONS)('full clone of a template on local storage (PVE %s)', (version) => {
  beforeEach(() => {
    playing = version;
  });
  test('stub → disks in lexical order with progress → full config with lock → lock removed → TASK OK', async () => {
    // 1 GiB/s: the 32 GiB copy takes 32 simulated seconds (0.1 s real).
    const sim = await start({ copyBytesPerSecond: GiB, clock: scaledClock(100) });
    const recording = recordConfigs(sim, 200);
    const upid = await clone(sim, 'pve1', 112, { newid: 200, name: 'test-clone', full: 1 });
    expect(upid).toMatch(/^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:qmclone:112:clonebot@pve!slack:$/);
    const configs = await recording(upid);
    const states = configs.map((c) =>
      c === 'absent'
        ? c
        : Object.keys(c)
            .filter((k) => /^(ide2|scsi0|lock)$/.test(k))
            .join(','),
    );
    expect(states).toEqual(['absent', 'lock', 'lock,ide2', 'lock,ide2,scsi0', 'ide2,scsi0']);
    expect(configs[1]).toEqual({ lock: 'clone', _node: 'pve1' });

    const task = sim.task(upid);
    expect(task?.exitstatus).toBe('OK');
    const log = task?.log ?? [];
    const head = [
      ...opening(112, 200),
      'create full clone of drive ide2 (local-lvm:vm-112-cloudinit)',
      '  Logical volume "vm-200-cloudinit" created.',
      ...allocated('local-lvm:vm-200-cloudinit'),
      'create full clone of drive scsi0 (local-lvm:base-112-disk-0)',
      '  Logical volume "vm-200-disk-0" created.',
      ...allocated('local-lvm:vm-200-disk-0'),
    ];
    expect(log.slice(0, head.length)).toEqual(head);
    // How far the first progress line has got depends on when the copy loop first runs (real time under a
    // scaled clock); its form does not.
    expect(log[head.length]).toMatch(/^transferred \d+\.\d (B|KiB|MiB|GiB) of 32\.0 GiB \(\d+\.\d\d%\)$/);
    const progress = log.filter((l) => l.startsWith('transferred'));
    for (const line of progress)
      expect(line).toMatch(/^transferred \d+\.\d (B|KiB|MiB|GiB) of 32\.0 GiB \(\d+\.\d\d%\)$/);
    expect(progress.length).toBeGreaterThan(20);
    expect(progress.length).toBeLessThanOrEqual(101);
    expect(log.slice(-2)).toEqual(['transferred 32.0 GiB of 32.0 GiB (100.00%)', 'TASK OK']);

    const conf = sim.vm(200)?.config ?? {};
    expect(conf.scsi0).toBe('local-lvm:vm-200-disk-0,discard=on,size=32G');
    expect(conf.ide2).toBe('local-lvm:vm-200-cloudinit,media=cdrom');
    expect(conf).not.toHaveProperty('template');
    expect(conf.name).toBe('test-clone');
    expect(conf.net0).toMatch(/^virtio=BC:24:11:[0-9A-F:]{8},bridge=vmbr0,firewall=1$/);
    expect(conf.net0).not.toBe(sim.vm(112)?.config.net0);
    expect(conf.smbios1).not.toBe(sim.vm(112)?.config.smbios1);
    const lvm = sim.storages().find((s) => s.storage === 'local-lvm' && s.node === 'pve1');
    expect(lvm?.volumes['vm-200-disk-0']).toBe(32 * GiB);
    expect(lvm?.volumes).toHaveProperty('vm-200-cloudinit');
    expect(sim.vm(112)?.config.template).toBe(1);
  });

  test('the task is readable over the API: status fields, log paging, /cluster/tasks', async () => {
    const sim = await start();
    const upid = await clone(sim, 'pve1', 112, { newid: 200, name: 'paged', full: 1 });
    const running = (await getData(sim, `/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`)) as Record<
      string,
      unknown
    >;
    expect(running).toMatchObject({
      upid,
      node: 'pve1',
      type: 'qmclone',
      id: '112',
      user: 'clonebot@pve',
      tokenid: 'slack',
      status: 'running',
    });
    expect(running).not.toHaveProperty('exitstatus');
    expect(upid.split(':')[4]).toBe(
      (running.starttime as number).toString(16).toUpperCase().padStart(8, '0'),
    );
    await stopped(sim, upid);
    const done = (await getData(sim, `/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`)) as Record<
      string,
      unknown
    >;
    expect(done).toMatchObject({ status: 'stopped', exitstatus: 'OK' });

    const total = sim.task(upid)?.log.length ?? 0;
    const page = await call(sim, 'GET', `/nodes/pve1/tasks/${encodeURIComponent(upid)}/log?start=2&limit=2`);
    const lines = sim.task(upid)?.log ?? [];
    expect(page.json).toEqual({
      data: [
        { n: 3, t: lines[2] },
        { n: 4, t: lines[3] },
      ],
      total,
    });
    expect(lines[playing === '9' ? 4 : 2]).toBe(
      'create full clone of drive scsi0 (local-lvm:base-112-disk-0)',
    );
    const dflt = await call(sim, 'GET', `/nodes/pve1/tasks/${encodeURIComponent(upid)}/log`);
    expect(dflt.json.data).toHaveLength(50);
    const all = await call(sim, 'GET', `/nodes/pve1/tasks/${encodeURIComponent(upid)}/log?start=0&limit=0`);
    expect(all.json.data).toHaveLength(total);
    expect(all.json.data.at(-1)).toEqual({ n: total, t: 'TASK OK' });
    const beyond = await call(sim, 'GET', `/nodes/pve1/tasks/${encodeURIComponent(upid)}/log?start=${total}`);
    expect(beyond.json).toEqual({ data: [], total });

    const wrongNode = await call(sim, 'GET', `/nodes/pve2/tasks/${encodeURIComponent(upid)}/status`);
    expect([wrongNode.status, wrongNode.reason]).toEqual([400, 'Parameter verification failed.']);
    expect(wrongNode.json.errors).toEqual({ upid: 'no such task' });
    // The log of a task this node does not know: a 200 with one line (pve-common dump_logfile), not a 400;
    // that line is a bare object before libpve-common-perl 9.0.6 (commit 51e320a), an array since.
    const elsewhere = await call(sim, 'GET', `/nodes/pve2/tasks/${encodeURIComponent(upid)}/log`);
    const line = { n: 1, t: 'unable to open file - No such file or directory' };
    expect([elsewhere.status, elsewhere.json]).toEqual([
      200,
      { data: playing === '8.4' ? line : [line], total: 1 },
    ]);
    const garbage = await call(sim, 'GET', '/nodes/pve1/tasks/UPID%3Anope/status');
    expect(garbage.json.errors).toEqual({ upid: 'unable to parse worker upid' });

    const tasks = (await getData(sim, '/cluster/tasks')) as Record<string, unknown>[];
    expect(tasks[0]).toMatchObject({
      upid,
      node: 'pve1',
      type: 'qmclone',
      id: '112',
      status: 'OK',
      endtime: expect.any(Number),
    });
  });

  test('an empty log reads `no content`', async () => {
    // A very slow clock: the task has not written its first line when we read it.
    const sim = await start({ clock: scaledClock(0.01) });
    const upid = await clone(sim, 'pve1', 112, { newid: 200 });
    const log = await call(sim, 'GET', `/nodes/pve1/tasks/${encodeURIComponent(upid)}/log`);
    expect(log.json).toEqual({ data: [{ n: 1, t: 'no content' }], total: 1 });
  });
});

describe.each(VERSIONS)('linked clones, targets and pools (PVE %s)', (version) => {
  beforeEach(() => {
    playing = version;
  });
  test('a template gives a linked clone by default: base-…/vm-… volumes, no progress, cloud-init copied', async () => {
    const sim = await start();
    const upid = await clone(sim, 'pve1', 112, { newid: 201, name: 'linked' });
    const task = await stopped(sim, upid);
    // A linked clone's volume comes from vdisk_clone: no `allocated target volume` line on PVE 9 either.
    expect(task.log).toEqual([
      ...opening(112, 201),
      'create full clone of drive ide2 (local-lvm:vm-112-cloudinit)',
      '  Logical volume "vm-201-cloudinit" created.',
      ...allocated('local-lvm:vm-201-cloudinit'),
      'create linked clone of drive scsi0 (local-lvm:base-112-disk-0)',
      '  Logical volume "vm-201-disk-0" created.',
      'TASK OK',
    ]);
    expect(sim.vm(201)?.config.scsi0).toBe('local-lvm:base-112-disk-0/vm-201-disk-0,discard=on,size=32G');
  });

  test('target node and pool: the config moves at the end, the task stays on the source node', async () => {
    const sim = await start({ copyBytesPerSecond: 4 * GiB });
    const recording = recordConfigs(sim, 300);
    const upid = await clone(sim, 'pve1', 9100, {
      newid: 300,
      name: 'moved',
      full: 1,
      target: 'pve3',
      pool: 'dev',
    });
    expect(upid).toMatch(/^UPID:pve1:.*:qmclone:9100:/);
    const configs = await recording(upid);
    const nodes = configs.filter((c) => c !== 'absent').map((c) => (c as { _node: string })._node);
    expect(nodes[0]).toBe('pve1');
    expect(nodes.at(-1)).toBe('pve3');
    const log = sim.task(upid)?.log ?? [];
    // RBD prints nothing when it creates a volume: on 8.4 the log never names the new VMID.
    expect(log.filter((l) => !l.startsWith('transferred')).slice(0, -1)).toEqual([
      ...opening(9100, 300),
      'create full clone of drive efidisk0 (ceph:base-9100-disk-1)',
      ...allocated('ceph:vm-300-disk-0'),
      'create full clone of drive ide2 (ceph:vm-9100-cloudinit)',
      ...allocated('ceph:vm-300-cloudinit'),
      'create full clone of drive scsi0 (ceph:base-9100-disk-0)',
      ...allocated('ceph:vm-300-disk-1'),
    ]);
    if (playing === '8.4')
      expect(log.filter((l) => !l.startsWith('transferred')).join('\n')).not.toContain('300');
    expect(log.at(-1)).toBe('TASK OK');
    expect((await call(sim, 'GET', '/nodes/pve3/qemu/300/config')).json.data.scsi0).toBe(
      'ceph:vm-300-disk-1,iothread=1,size=8G',
    );
    expect((await call(sim, 'GET', '/nodes/pve1/qemu/300/config')).status).toBe(500);
    // Pool membership shows once the statistics catch up.
    await waitFor(async () => {
      const vms = (await getData(sim, '/cluster/resources?type=vm')) as { vmid: number; pool?: string }[];
      return vms.find((v) => v.vmid === 300 && v.pool === 'dev');
    });
  });

  test('full clone to another storage and format', async () => {
    const sim = await start({ copyBytesPerSecond: 8 * GiB });
    const upid = await clone(sim, 'pve1', 112, { newid: 202, full: 1, storage: 'ceph' });
    expect((await stopped(sim, upid)).exitstatus).toBe('OK');
    const conf = sim.vm(202)?.config ?? {};
    expect(conf.scsi0).toBe('ceph:vm-202-disk-0,discard=on,size=32G');
    // qemu-server `clone_disk`: a full copy of any drive, cloud-init too, goes to `$storage || $src_storeid`.
    expect(conf.ide2).toBe('ceph:vm-202-cloudinit,media=cdrom');
    expect(conf.name).toBe('Copy-of-VM-ubuntu-24.04');
  });
});

describe.each(VERSIONS)('locks and parallel clones (PVE %s)', (version) => {
  beforeEach(() => {
    playing = version;
  });
  // pve-storage src/PVE/Storage.pm vdisk_alloc → Plugin.pm cluster_lock_storage: the exclusive storage lock is
  // held while a volume is created, not while qemu-img copies it (qemu-server PVE/QemuServer.pm clone_disk).
  test('parallel full clones to one storage all succeed: the lock is held only while a volume is allocated', async () => {
    const sim = await start();
    const upids = [];
    for (const newid of [210, 211, 212, 213]) upids.push(await clone(sim, 'pve1', 112, { newid, full: 1 }));
    const results = await Promise.all(upids.map((u) => stopped(sim, u)));
    expect(results.map((t) => t.exitstatus)).toEqual(['OK', 'OK', 'OK', 'OK']);
  });

  test('slow allocation makes the next clone on that storage time out, in node-local and shared wording', async () => {
    // Allocation longer than the 10 s lock wait: the second clone to each storage cannot get the lock. A shared
    // storage (ceph) has one lock for the whole cluster, a node-local one (local-lvm) one per node.
    // The second of each pair is sent once the first is creating its first volume (holding the lock for 150 s
    // of simulated time, half a real second), so it always meets the held lock.
    const sim = await start({ storageAllocMs: 150_000 });
    const creating = (upid: string) =>
      waitFor(() => sim.task(upid)?.log.find((l) => l.startsWith('create ')));
    const a = await clone(sim, 'pve1', 112, { newid: 220, full: 1 });
    const c = await clone(sim, 'pve1', 9100, { newid: 222, full: 1 });
    await Promise.all([creating(a), creating(c)]);
    const b = await clone(sim, 'pve1', 112, { newid: 221, full: 1 });
    const d = await clone(sim, 'pve2', 9200, { newid: 223, full: 1 });
    const e = await clone(sim, 'pve2', 9205, { newid: 224, full: 1 });
    const results = await Promise.all([a, b, c, d, e].map((u) => stopped(sim, u)));
    expect(results.map((t) => t.exitstatus)).toEqual([
      'OK',
      "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
      'OK',
      "clone failed: cfs-lock 'storage-ceph' error: got lock request timeout",
      'OK',
    ]);
    expect(sim.vm(221)).toBeUndefined();
    const lvm = sim.storages().find((s) => s.storage === 'local-lvm' && s.node === 'pve1');
    expect(Object.keys(lvm?.volumes ?? {}).filter((v) => v.includes('vm-221'))).toEqual([]);
  });
});

describe.each(VERSIONS)('task stop (PVE %s)', (version) => {
  beforeEach(() => {
    playing = version;
  });
  test('DELETE /nodes/{node}/tasks/{upid}: cleanup, config removed, `interrupted by signal`', async () => {
    const sim = await start({ clock: scaledClock(30) });
    const upid = await clone(sim, 'pve1', 112, { newid: 230, full: 1 });
    await waitFor(() => sim.task(upid)?.log.find((l) => l.startsWith('transferred')));
    expect(sim.vm(230)?.config.lock).toBe('clone');
    const del = await call(sim, 'DELETE', `/nodes/pve1/tasks/${encodeURIComponent(upid)}`);
    expect(del.json).toEqual({ data: null });
    const task = await stopped(sim, upid);
    expect(task.exitstatus).toBe('clone failed: interrupted by signal');
    expect(task.log.at(-1)).toBe('TASK ERROR: clone failed: interrupted by signal');
    const cfg = await call(sim, 'GET', '/nodes/pve1/qemu/230/config');
    expect([cfg.status, cfg.reason]).toEqual([
      500,
      "Configuration file 'nodes/pve1/qemu-server/230.conf' does not exist",
    ]);
    const lvm = sim.storages().find((s) => s.storage === 'local-lvm' && s.node === 'pve1');
    expect(Object.keys(lvm?.volumes ?? {}).filter((v) => v.includes('vm-230'))).toEqual([]);
    // The DELETE answered only once the worker had exited (pve-common RESTEnvironment $kill_process_group).
    expect(sim.task(upid)?.status).toBe('stopped');
  });

  test('DELETE blocks up to 5 s, then SIGKILL cuts a slow cleanup off: `lock: clone` stub, partial disks, `unexpected status`', async () => {
    // Freeing each volume takes 3 s (Ceph `rbd rm`): 1 s pause + 2 × 3 s is past the 5 s a stop waits.
    // Scale 10: a busy machine's real delays add little to the simulated 5 s measured below.
    const clock = scaledClock(10);
    const sim = await start({ clock, volumeFreeMs: 3000, copyBytesPerSecond: GiB });
    const upid = await clone(sim, 'pve1', 112, { newid: 231, full: 1 });
    await waitFor(() => sim.task(upid)?.log.find((l) => l.startsWith('create full clone of drive scsi0')));
    await waitFor(() => sim.task(upid)?.log.find((l) => l.startsWith('transferred')));
    const t0 = clock.now();
    const del = await call(sim, 'DELETE', `/nodes/pve1/tasks/${encodeURIComponent(upid)}`);
    const waited = clock.now() - t0;
    expect(del.json).toEqual({ data: null });
    expect(waited).toBeGreaterThanOrEqual(5000);
    expect(waited).toBeLessThan(7500);
    const task = sim.task(upid);
    expect(task?.status).toBe('stopped');
    expect(task?.exitstatus).toBe('unexpected status');
    expect(task?.log.at(-1)).not.toMatch(/^TASK /);
    // The config, still locked with the disk written so far, is left; of its volumes, the first freed is gone.
    const stub = sim.vm(231)?.config ?? {};
    expect(stub.lock).toBe('clone');
    expect(String(stub.ide2)).toContain('vm-231-cloudinit');
    const lvm = sim.storages().find((s) => s.storage === 'local-lvm' && s.node === 'pve1');
    expect(Object.keys(lvm?.volumes ?? {}).filter((v) => v.includes('vm-231'))).toEqual(['vm-231-disk-0']);
  });

  test('a stop before the copy starts ends `received interrupt` and leaves nothing', async () => {
    // Time stands still until the stop: the worker is held in its first step, before clone_vm's eval.
    const base = scaledClock(30);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const clock: Clock = {
      now: () => base.now(),
      sleep: async (ms, signal) => {
        await Promise.race([
          gate,
          new Promise((_r, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
        ]);
        return base.sleep(ms, signal);
      },
    };
    const sim = await start({ clock });
    const upid = await clone(sim, 'pve1', 112, { newid: 232, full: 1 });
    expect(sim.task(upid)?.log).toEqual([]);
    setTimeout(release, 50);
    const del = await call(sim, 'DELETE', `/nodes/pve1/tasks/${encodeURIComponent(upid)}`);
    expect(del.json).toEqual({ data: null });
    const task = sim.task(upid);
    expect(task?.exitstatus).toBe('received interrupt');
    expect(task?.log.at(-1)).toBe('TASK ERROR: received interrupt');
    expect(sim.vm(232)).toBeUndefined();
  });
});

describe.each(VERSIONS)('VM status and removal (PVE %s)', (version) => {
  beforeEach(() => {
    playing = version;
  });
  test('status/current shows lock and template only when set; DELETE removes a finished clone and its disks', async () => {
    const sim = await start({ copyBytesPerSecond: 64 * GiB });
    const template = (await getData(sim, '/nodes/pve1/qemu/112/status/current')) as Record<string, unknown>;
    expect(template).toMatchObject({ vmid: 112, status: 'stopped', qmpstatus: 'stopped', template: 1 });
    expect(template).not.toHaveProperty('lock');
    sim.faults.hangClone();
    const hung = await clone(sim, 'pve1', 112, { newid: 241, full: 1 });
    await waitFor(() => sim.task(hung)?.log[0]);
    const during = (await getData(sim, '/nodes/pve1/qemu/241/status/current')) as Record<string, unknown>;
    expect(during).toMatchObject({ vmid: 241, status: 'stopped', lock: 'clone' });
    expect(during).not.toHaveProperty('template');
    // The lock is checked inside the qmdestroy task (qemu-server destroy_vm → check_lock).
    const locked = await call(sim, 'DELETE', '/nodes/pve1/qemu/241');
    expect(locked.status).toBe(200);
    expect((await stopped(sim, locked.json.data as string)).exitstatus).toBe('VM is locked (clone)');
    expect(sim.vm(241)?.config.lock).toBe('clone');
    await stopped(sim, await clone(sim, 'pve1', 112, { newid: 240, full: 1 }));
    const del = await call(sim, 'DELETE', '/nodes/pve1/qemu/240');
    expect(del.json.data).toMatch(/^UPID:pve1:.*:qmdestroy:240:clonebot@pve!slack:$/);
    expect((await stopped(sim, del.json.data as string)).exitstatus).toBe('OK');
    expect(sim.vm(240)).toBeUndefined();
    const lvm = sim.storages().find((s) => s.storage === 'local-lvm' && s.node === 'pve1');
    expect(Object.keys(lvm?.volumes ?? {}).filter((v) => v.includes('vm-240'))).toEqual([]);
  });
});
