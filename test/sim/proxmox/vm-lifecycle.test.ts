import { afterEach, describe, expect, test } from 'vitest';
import { type ProxmoxSim, type ProxmoxSimOptions, startProxmoxSim } from '../../../src/sim/proxmox/index.ts';
import { type JumpClock, jumpClock } from './jump-clock.ts';
import { call, getData, waitFor } from './sim-http.ts';

const sims: ProxmoxSim[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.close();
});

async function start(options: ProxmoxSimOptions & { clock?: JumpClock } = {}) {
  const clock = options.clock ?? jumpClock(300);
  const sim = await startProxmoxSim({
    authDelayMs: 0,
    copyBytesPerSecond: 64 * 1024 ** 3,
    ...options,
    clock,
  });
  sims.push(sim);
  return { sim, clock };
}
const stopped = (sim: ProxmoxSim, upid: string) =>
  waitFor(() => (sim.task(upid)?.status === 'stopped' ? sim.task(upid) : undefined));

async function task(sim: ProxmoxSim, method: string, path: string, form?: Record<string, string | number>) {
  const a = await call(sim, method, path, form === undefined ? {} : { form });
  expect(a.status, a.reason).toBe(200);
  return stopped(sim, a.json.data as string);
}

async function cloneOf(sim: ProxmoxSim, template: number, newid: number) {
  const t = await task(sim, 'POST', `/nodes/pve1/qemu/${template}/clone`, {
    newid,
    name: `vm${newid}`,
    full: 1,
  });
  expect(t.exitstatus).toBe('OK');
}

const agent = (sim: ProxmoxSim, vmid: number) =>
  call(sim, 'GET', `/nodes/pve1/qemu/${vmid}/agent/network-get-interfaces`);

describe('POST …/status/start is a qmstart task; the guest agent answers only once the guest is up', () => {
  test('start → running after the boot time; agent 500s until its start delay has passed; then interfaces', async () => {
    const { sim, clock } = await start({ bootMs: 3000, agentStartMs: 30_000 });
    await cloneOf(sim, 112, 300);
    expect([(await agent(sim, 300)).status, (await agent(sim, 300)).reason]).toEqual([
      500,
      'VM 300 is not running',
    ]);
    const begun = clock.now();
    const t = await task(sim, 'POST', '/nodes/pve1/qemu/300/status/start');
    expect(t).toMatchObject({ type: 'qmstart', id: '300', exitstatus: 'OK' });
    expect((t.endtime ?? 0) - t.starttime).toBeGreaterThanOrEqual(Math.floor(3000 / 1000) - 1);
    expect(clock.now() - begun).toBeGreaterThanOrEqual(3000);
    expect(t.log).toEqual(['generating cloud-init ISO', 'TASK OK']);
    expect(sim.vm(300)?.status).toBe('running');
    const early = await agent(sim, 300);
    expect([early.status, early.reason]).toEqual([500, 'QEMU guest agent is not running']);
    expect(early.json).toEqual({ data: null, message: 'QEMU guest agent is not running\n' });
    clock.advance(30_000);
    const up = await agent(sim, 300);
    expect(up.status).toBe(200);
    const result = up.json.data.result as { name: string; 'ip-addresses': { 'ip-address': string }[] }[];
    expect(result.map((i) => i.name)).toEqual(['lo', 'eth0']);
    const eth0 = result[1]?.['ip-addresses'].map((a) => a['ip-address']) ?? [];
    expect(eth0[0]).toMatch(/^192\.168\.100\.\d+$/);
    expect(eth0[1]).toMatch(/^fe80::/);
    // Starting a running VM fails inside the task.
    expect((await task(sim, 'POST', '/nodes/pve1/qemu/300/status/start')).exitstatus).toBe(
      'VM 300 already running',
    );
  });

  test('a static ipconfig0 is what the guest reports; stop is a qmstop task, a no-op on a stopped VM', async () => {
    const { sim, clock } = await start({ agentStartMs: 1000 });
    await cloneOf(sim, 112, 301);
    const put = await call(sim, 'PUT', '/nodes/pve1/qemu/301/config', {
      form: { ipconfig0: 'ip=10.0.0.5/24,gw=10.0.0.1,ip6=2001:db8::5/64' },
    });
    expect([put.status, put.json]).toEqual([200, { data: null }]);
    await task(sim, 'POST', '/nodes/pve1/qemu/301/status/start');
    clock.advance(1000);
    const ips = (await agent(sim, 301)).json.data.result[1]['ip-addresses'].map(
      (a: { 'ip-address': string; prefix: number }) => `${a['ip-address']}/${a.prefix}`,
    );
    expect(ips.slice(0, 2)).toEqual(['10.0.0.5/24', '2001:db8::5/64']);
    const stop = await task(sim, 'POST', '/nodes/pve1/qemu/301/status/stop');
    expect(stop).toMatchObject({ type: 'qmstop', exitstatus: 'OK' });
    expect(sim.vm(301)?.status).toBe('stopped');
    expect((await task(sim, 'POST', '/nodes/pve1/qemu/301/status/stop')).exitstatus).toBe('OK');
  });

  test('a template cannot start; a locked VM cannot start; a template without an agent in its image never answers', async () => {
    const { sim, clock } = await start({ agentStartMs: 1000 });
    expect((await task(sim, 'POST', '/nodes/pve1/qemu/112/status/start')).exitstatus).toBe(
      "you can't start a vm if it's a template",
    );
    sim.faults.silentGuestAgent(112);
    await cloneOf(sim, 112, 302);
    sim.faults.lockVm(302, 'backup');
    expect((await task(sim, 'POST', '/nodes/pve1/qemu/302/status/start')).exitstatus).toBe(
      'VM is locked (backup)',
    );
    sim.faults.lockVm(302, undefined);
    await task(sim, 'POST', '/nodes/pve1/qemu/302/status/start');
    clock.advance(3600_000);
    expect((await agent(sim, 302)).reason).toBe('QEMU guest agent is not running');
    // No `agent` in the config at all.
    sim.addVm({
      vmid: 303,
      node: 'pve1',
      status: 'running',
      config: { name: 'noagent', net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr0' },
    });
    expect((await agent(sim, 303)).reason).toBe('No QEMU guest agent configured');
  });
});

describe('PUT …/config', () => {
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGxvbmdlbm91Z2hrZXltYXRlcmlhbGZvcnRlc3Rz alice@laptop';

  test('tags are checked and stored sorted, unique, `;`-joined; description, protection, ciuser; sshkeys URL-encoded', async () => {
    const { sim } = await start();
    await cloneOf(sim, 112, 310);
    const put = await call(sim, 'PUT', '/nodes/pve1/qemu/310/config', {
      form: {
        tags: 'owner-alice;clonebot,clonebot',
        description: 'requested by alice',
        protection: 0,
        ciuser: 'alice',
        sshkeys: encodeURIComponent(`${key}\n`),
      },
    });
    expect(put.status, put.reason).toBe(200);
    const conf = (await getData(sim, '/nodes/pve1/qemu/310/config')) as Record<string, unknown>;
    expect(conf).toMatchObject({
      tags: 'clonebot;owner-alice',
      description: 'requested by alice',
      protection: 0,
      ciuser: 'alice',
      sshkeys: encodeURIComponent(`${key}\n`),
    });
    const cleared = await call(sim, 'PUT', '/nodes/pve1/qemu/310/config', {
      form: { delete: 'tags,protection' },
    });
    expect(cleared.status).toBe(200);
    const after = (await getData(sim, '/nodes/pve1/qemu/310/config')) as Record<string, unknown>;
    expect(after).not.toHaveProperty('tags');
    expect(after).not.toHaveProperty('protection');
  });

  test('bad input: a raw (not URL-encoded) key, a malformed key, a tag with a space-less bad char, bad ipconfig', async () => {
    const { sim } = await start();
    await cloneOf(sim, 112, 311);
    const put = (form: Record<string, string | number>) =>
      call(sim, 'PUT', '/nodes/pve1/qemu/311/config', { form });
    const raw = await put({ sshkeys: key });
    expect([raw.status, raw.json.errors]).toEqual([
      400,
      { sshkeys: `invalid format - invalid urlencoded string: ${key}\n` },
    ]);
    const bad = await put({ sshkeys: encodeURIComponent('ssh-ed25519 notakey') });
    expect([bad.status, bad.reason]).toEqual([500, 'SSH public key validation error']);
    expect((await put({ tags: 'Owner:alice' })).json.errors).toEqual({
      tags: 'invalid format - invalid characters in tag\n',
    });
    expect((await put({ ipconfig0: 'ip=10.0.0.5' })).json.errors.ipconfig0).toContain(
      'invalid IPv4 configuration: 10.0.0.5',
    );
    expect((await put({ ipconfig0: 'gw=10.0.0.1' })).json.errors.ipconfig0).toContain(
      'gw: property requires ip',
    );
    expect((await put({ colour: 'red' })).json.errors).toEqual({
      colour: 'property is not defined in schema and the schema does not allow additional properties',
    });
    expect((await put({})).reason).toBe('no options specified');
    expect(sim.vm(311)?.config).not.toHaveProperty('sshkeys');
  });

  test('a locked VM is refused and keeps its config; a stale digest is refused', async () => {
    const { sim } = await start();
    await cloneOf(sim, 112, 312);
    const digest = ((await getData(sim, '/nodes/pve1/qemu/312/config')) as { digest: string }).digest;
    sim.faults.lockVm(312, 'clone');
    const locked = await call(sim, 'PUT', '/nodes/pve1/qemu/312/config', { form: { tags: 'clonebot' } });
    expect([locked.status, locked.reason]).toEqual([500, 'VM is locked (clone)']);
    expect(sim.vm(312)?.config).not.toHaveProperty('tags');
    sim.faults.lockVm(312, undefined);
    await call(sim, 'PUT', '/nodes/pve1/qemu/312/config', { form: { description: 'x' } });
    const stale = await call(sim, 'PUT', '/nodes/pve1/qemu/312/config', { form: { tags: 'a', digest } });
    expect([stale.status, stale.reason]).toEqual([500, 'checksum mismatch (file change by other user?)']);
  });
});

describe('DELETE …/qemu/{vmid}?purge=1&destroy-unreferenced-disks=1 (qmdestroy)', () => {
  test('frees referenced and unreferenced volumes, `lock: destroyed` while it runs, then the config goes', async () => {
    const { sim } = await start();
    await cloneOf(sim, 112, 320);
    const lvm = () => sim.storages().find((s) => s.storage === 'local-lvm' && s.node === 'pve1');
    const before = Object.keys(lvm()?.volumes ?? {}).filter((v) => v.includes('vm-320-'));
    expect(before.length).toBeGreaterThan(0);
    const locks: unknown[] = [];
    let zombie: { config: unknown; volumes: string[] } | undefined;
    const stop = sim.watchVm(320, (vm) => {
      locks.push(vm?.config.lock ?? (vm ? 'none' : 'gone'));
      if (vm?.config.lock === 'destroyed') {
        const volumes = Object.keys(lvm()?.volumes ?? {}).filter((v) => v.includes('vm-320-'));
        zombie = { config: { ...vm.config }, volumes };
      }
    });
    const t = await task(sim, 'DELETE', '/nodes/pve1/qemu/320?purge=1&destroy-unreferenced-disks=1');
    stop();
    expect(t).toMatchObject({ type: 'qmdestroy', id: '320', exitstatus: 'OK' });
    expect(t.log).toContain('purging VM 320 from related configurations..');
    expect(locks).toEqual(['destroyed', 'gone']);
    // PVE::QemuServer::destroy_vm frees the disks first, then writes `{ lock => 'destroyed' }` as the whole
    // config; the API's worker removes that zombie last.
    expect(zombie).toEqual({ config: { lock: 'destroyed' }, volumes: [] });
    expect(Object.keys(lvm()?.volumes ?? {}).filter((v) => v.includes('vm-320-'))).toEqual([]);
    expect(sim.vm(320)).toBeUndefined();
  });

  test('protection and a running VM are refused at once; a lock fails inside the task; the template is kept', async () => {
    const { sim } = await start();
    await cloneOf(sim, 112, 321);
    await call(sim, 'PUT', '/nodes/pve1/qemu/321/config', { form: { protection: 1 } });
    const prot = await call(sim, 'DELETE', '/nodes/pve1/qemu/321?purge=1');
    expect([prot.status, prot.reason]).toEqual([500, "can't remove VM 321 - protection mode enabled"]);
    await call(sim, 'PUT', '/nodes/pve1/qemu/321/config', { form: { protection: 0 } });
    await task(sim, 'POST', '/nodes/pve1/qemu/321/status/start');
    const running = await call(sim, 'DELETE', '/nodes/pve1/qemu/321');
    expect([running.status, running.reason]).toEqual([500, 'VM 321 is running - destroy failed']);
    await task(sim, 'POST', '/nodes/pve1/qemu/321/status/stop');
    sim.faults.lockVm(321, 'backup');
    const locked = await task(sim, 'DELETE', '/nodes/pve1/qemu/321');
    expect(locked.exitstatus).toBe('VM is locked (backup)');
    expect(sim.vm(321)?.config.lock).toBe('backup');
    const skip = await call(sim, 'DELETE', '/nodes/pve1/qemu/321?skiplock=1');
    expect(skip.json.errors).toEqual({ skiplock: 'Only root may use this option.' });
    expect((await call(sim, 'DELETE', '/nodes/pve1/qemu/321?purge=yes')).json.errors).toEqual({
      purge: "type check ('boolean') failed - got 'yes'",
    });
    expect(sim.vm(112)?.config.template).toBe(1);
  });
});
