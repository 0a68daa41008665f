import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scaledClock } from '../../src/clock.ts';
import { describeReadiness } from '../../src/core/describe-readiness.ts';
import { parseVmDescription } from '../../src/core/vm-record.ts';
import { createProxmoxClient, type ProxmoxHttpClient } from '../../src/proxmox/index.ts';
import { type ProxmoxSim, startProxmoxSim } from '../../src/sim/proxmox/index.ts';
import { prepareVm } from '../../src/vm/prepare-vm.ts';
import { until } from '../jobs/worker-harness.ts';
import { captureLogger } from '../proxmox/fake-proxmox.ts';
import { ed25519PublicKey } from './ssh-key-fixture.ts';

// Simulator and client on one fast clock: a 20 s agent start takes a few real ms.
const clock = scaledClock(500);
let sim: ProxmoxSim;
let client: ProxmoxHttpClient;

beforeAll(async () => {
  sim = await startProxmoxSim({
    clock,
    authDelayMs: 0,
    bootMs: 2000,
    agentStartMs: 20_000,
    copyBytesPerSecond: 64 * 1024 ** 3,
  });
  const caFile = join(mkdtempSync(join(tmpdir(), 'pve-sim-ca-')), 'ca.pem');
  writeFileSync(caFile, sim.caPem);
  client = createProxmoxClient(
    {
      url: sim.url,
      host: '127.0.0.1',
      port: sim.port,
      auth: { kind: 'token', tokenId: sim.token.id, secret: sim.token.secret },
      caFile,
      insecureTls: false,
      timeoutMs: 5000,
    },
    { logger: captureLogger().logger, clock },
  );
});
afterAll(async () => {
  await client.close();
  await sim.close();
});

async function cloneOf(template: number, newid: number) {
  const upid = await client.startClone({
    node: 'pve1',
    templateVmid: template,
    newid,
    name: `vm${newid}`,
    full: true,
  });
  for (;;) {
    const s = await client.getTaskStatus(upid);
    if (s.status === 'stopped') return expect(s.exitstatus).toBe('OK');
    await clock.sleep(200);
  }
}

const ownership = (vmid: number) => ({
  requestId: `cr-test${vmid}`,
  ownerId: 'U123',
  ownerName: 'alice',
  approverId: 'U999',
  template: '112',
  expiresAt: Date.parse('2027-01-15T00:00:00Z'),
});
const deps = {
  proxmox: {} as ProxmoxHttpClient,
  clock,
  // The start wait is made long: its default 120 s is 240 real ms on this clock, which loaded cores outlast
  // (seen: `start: 'timeout'`); no test here is about that bound.
  timings: { agentWaitMs: 120_000, agentPollMs: 3000, startTimeoutMs: 3_600_000 },
};

describe('prepareVm after a clone, against the simulator', () => {
  test('owner tags + description + cloud-init in one PUT, started, agent waited for, addresses reported', async () => {
    await cloneOf(112, 500);
    const key = ed25519PublicKey();
    const before = sim.requests.filter('PUT', '/nodes/pve1/qemu/500/config').length;
    // The guest is "still booting" until prepareVm has met its agent's 500 at least once: on the fast clock a
    // loaded machine could otherwise reach the first agent call after the simulated 20 s boot.
    sim.faults.silentGuestAgent(500);
    const agentCalls = () => sim.requests.filter('GET', '/nodes/pve1/qemu/500/agent/network-get-interfaces');
    const preparing = prepareVm(
      { ...deps, proxmox: client },
      {
        node: 'pve1',
        vmid: 500,
        ownership: ownership(500),
        setup: {
          start: true,
          ciUser: 'alice',
          sshKeys: [key],
          ip: { kind: 'static', address: '10.0.0.5', prefix: 24, gateway: '10.0.0.1' },
        },
      },
    );
    await until('an agent call answered 500', () => agentCalls().some((c) => c.status === 500));
    sim.faults.silentGuestAgent(500, false);
    const r = await preparing;
    expect(r).toMatchObject({
      owned: true,
      cloudInit: 'applied',
      start: 'started',
      agent: 'answered',
      ipv4: ['10.0.0.5'],
      ipv6: [],
    });
    // The agent answered 500 `QEMU guest agent is not running` while the guest booted, then the addresses.
    const calls = agentCalls();
    expect(calls.at(-1)?.status).toBe(200);
    expect(calls.slice(0, -1).length).toBeGreaterThan(0);
    expect(calls.slice(0, -1).every((c) => c.status === 500)).toBe(true);
    const qmstart = sim.tasks().find((t) => t.type === 'qmstart' && t.id === '500');
    expect((calls.at(-1)?.at ?? 0) - (qmstart?.endtime ?? 0) * 1000).toBeGreaterThanOrEqual(19_000);
    expect(sim.requests.filter('PUT', '/nodes/pve1/qemu/500/config').length - before).toBe(1);
    const conf = sim.vm(500)?.config ?? {};
    expect(conf).toMatchObject({
      tags: 'clonebot;owner-alice',
      ciuser: 'alice',
      sshkeys: encodeURIComponent(`${key}\n`),
      ipconfig0: 'ip=10.0.0.5/24,gw=10.0.0.1',
    });
    expect(parseVmDescription(conf.description)).toEqual(ownership(500));
    expect(sim.vm(500)?.status).toBe('running');
    expect(sim.tasks().filter((t) => t.type === 'qmstart' && t.id === '500')).toHaveLength(1);
    expect(describeReadiness(500, r)[0]).toBe('Running. IPv4: 10.0.0.5; IPv6: none');
  });

  test('a template whose guest has no agent: waited for, bounded, said plainly', async () => {
    sim.faults.silentGuestAgent(113);
    await cloneOf(113, 501);
    const r = await prepareVm(
      { ...deps, proxmox: client, timings: { agentWaitMs: 30_000, agentPollMs: 5000 } },
      { node: 'pve1', vmid: 501, ownership: ownership(501), setup: { start: true } },
    );
    expect(r).toMatchObject({ owned: true, start: 'started', agent: 'no-answer' });
    expect(r.agentWaitedMs).toBeGreaterThanOrEqual(30_000);
    expect(describeReadiness(501, r)[0]).toContain('guest agent did not answer within');
  });

  test('no agent in the config: no wait; no cloud-init drive: the options are not applied and that is said', async () => {
    sim.addVm({
      vmid: 502,
      node: 'pve1',
      config: {
        name: 'bare',
        memory: '1024',
        net0: 'virtio=BC:24:11:00:05:02,bridge=vmbr0',
        scsi0: 'local-lvm:vm-502-disk-0,size=4G',
      },
    });
    const r = await prepareVm(
      { ...deps, proxmox: client },
      { node: 'pve1', vmid: 502, ownership: ownership(502), setup: { start: true, ciUser: 'alice' } },
    );
    expect(r).toMatchObject({
      owned: true,
      cloudInit: 'no-drive',
      start: 'started',
      agent: 'not-configured',
    });
    expect(sim.vm(502)?.config).not.toHaveProperty('ciuser');
    expect(sim.requests.filter('GET', '/nodes/pve1/qemu/502/agent/network-get-interfaces')).toHaveLength(0);
    expect(describeReadiness(502, r)).toEqual([
      'Running, but the template has no QEMU guest agent configured (agent: 1), so the bot cannot see its address: look in your DHCP server or the console',
      'The template has no cloud-init drive: user, sshkey and ip were not applied',
      'Lease ends 2027-01-15 00:00 UTC: it is then stopped and deleted',
    ]);
  });

  test.each([
    ['0', 504],
    ['enabled=0,fstrim_cloned_disks=1', 505],
    ['type=virtio', 506],
  ])('agent: %s (off): not waited for, and said how to turn it on', async (agent, vmid) => {
    sim.addVm({
      vmid,
      node: 'pve1',
      config: { name: `off${vmid}`, agent, scsi0: `local-lvm:vm-${vmid}-disk-0,size=4G` },
    });
    const r = await prepareVm(
      { ...deps, proxmox: client },
      { node: 'pve1', vmid, ownership: ownership(vmid), setup: { start: true } },
    );
    expect(r).toMatchObject({ start: 'started', agent: 'not-configured', agentOff: true });
    expect(r.agentWaitedMs).toBeUndefined();
    // The agent wait polls that endpoint: no GET is no wait. (Elapsed time is not asserted: on loaded cores
    // a 500x clock turns scheduling delays into simulated minutes.)
    expect(sim.requests.filter('GET', `/nodes/pve1/qemu/${vmid}/agent/network-get-interfaces`)).toHaveLength(
      0,
    );
    expect(describeReadiness(vmid, r)[0]).toMatch(
      /guest agent option is off .*qm set <template> --agent enabled=1/,
    );
  });

  test('a locked VM: Proxmox refuses the PUT and the start; nothing is written, the reasons are reported', async () => {
    sim.addVm({ vmid: 503, node: 'pve1', config: { name: 'locked', lock: 'backup', agent: '1' } });
    const r = await prepareVm(
      { ...deps, proxmox: client },
      { node: 'pve1', vmid: 503, ownership: ownership(503), setup: { start: true } },
    );
    expect(r).toMatchObject({
      owned: false,
      ownError: 'VM is locked (backup)',
      start: 'failed',
      startError: 'VM is locked (backup)',
    });
    expect(sim.vm(503)?.config).not.toHaveProperty('tags');
  });
});
