import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Clock, scaledClock } from '../../src/clock.ts';
import type { ProxmoxAuth, ProxmoxConfig } from '../../src/config.ts';
import {
  createProxmoxClient,
  ProxmoxApiError,
  type ProxmoxHttpClient,
  parseUpid,
  type TaskStatus,
  TICKET_RENEW_AFTER_MS,
} from '../../src/proxmox/index.ts';
import { type ProxmoxSim, startProxmoxSim } from '../../src/sim/proxmox/index.ts';
import { captureLogger } from './fake-proxmox.ts';

// One simulated clock for the simulator and the client, running 1000× real time, that a test can also jump.
const scaled = scaledClock(1000);
let offset = 0;
const clock: Clock = { now: () => scaled.now() + offset, sleep: (ms, signal) => scaled.sleep(ms, signal) };

let sim: ProxmoxSim;
let caFile: string;
const clients: ProxmoxHttpClient[] = [];

function connect(auth: ProxmoxAuth): ProxmoxHttpClient {
  const config: ProxmoxConfig = {
    url: sim.url,
    host: '127.0.0.1',
    port: sim.port,
    auth,
    caFile,
    insecureTls: false,
    timeoutMs: 5000,
  };
  const client = createProxmoxClient(config, { logger: captureLogger().logger, clock });
  clients.push(client);
  return client;
}
const tokenAuth = (): ProxmoxAuth => ({ kind: 'token', tokenId: sim.token.id, secret: sim.token.secret });

async function waitForTask(client: ProxmoxHttpClient, upid: string): Promise<TaskStatus> {
  for (;;) {
    const status = await client.getTaskStatus(upid);
    if (status.status === 'stopped') return status;
    await clock.sleep(1000);
  }
}

beforeAll(async () => {
  sim = await startProxmoxSim({ clock });
  caFile = join(mkdtempSync(join(tmpdir(), 'pve-sim-ca-')), 'ca.pem');
  writeFileSync(caFile, sim.caPem);
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await sim.close();
});

describe('the client against the Proxmox simulator', () => {
  it('reads configs, resources, nodes, cluster status, storages and VMIDs', async () => {
    const client = connect(tokenAuth());
    const template = await client.getVmConfig('pve1', 112);
    expect(template.template).toBe(1);
    expect(template.scsi0).toMatch(/^local-lvm:base-112-disk-0/);
    expect(await client.findVmConfig('pve1', 4242)).toBeUndefined();
    expect((await client.listClusterVms()).find((v) => v.vmid === 112)).toMatchObject({
      node: 'pve1',
      template: true,
    });
    expect((await client.listNodes()).map((n) => n.node).sort()).toEqual(['pve1', 'pve2', 'pve3']);
    const status = await client.getClusterStatus();
    expect(status.cluster?.name).toBe('demo');
    expect(status.nodes.map((n) => n.nodeid).sort()).toEqual([1, 2, 3]);
    const lvm = (await client.listStorages('pve1')).find((s) => s.storage === 'local-lvm');
    expect(lvm).toMatchObject({ type: 'lvmthin', shared: false, active: true });
    expect(lvm?.content).toContain('images');
    const next = await client.nextVmid();
    expect(next).toBeGreaterThanOrEqual(100);
    expect(await client.isVmidFree(100)).toBe(false);
    expect(await client.isVmidFree(next)).toBe(true);
  });

  it('clones once and follows the task on the source node to TASK OK', async () => {
    const client = connect(tokenAuth());
    sim.requests.clear();
    const newid = await client.nextVmid();
    const upid = await client.startClone({
      node: 'pve1',
      templateVmid: 112,
      newid,
      name: 'sim-clone',
      full: true,
    });
    expect(parseUpid(upid)).toMatchObject({ node: 'pve1', type: 'qmclone', id: '112', user: sim.token.id });
    const end = await waitForTask(client, upid);
    expect(end.exitstatus).toBe('OK');
    const log = await client.getTaskLog(upid, 0, 0);
    expect(log.total).toBe(log.lines.length);
    expect(log.lines.some((l) => l.t.includes('create full clone of drive scsi0'))).toBe(true);
    expect(log.lines.at(-1)?.t).toBe('TASK OK');
    const tail = await client.getTaskLog(upid, log.total - 1, 50);
    expect(tail.lines).toEqual([{ n: log.total, t: 'TASK OK' }]);
    expect((await client.listClusterTasks()).some((t) => t.upid === upid)).toBe(true);
    expect((await client.getVmConfig('pve1', newid)).name).toBe('sim-clone');
    expect(sim.requests.count('POST', '/nodes/pve1/qemu/112/clone')).toBe(1);
  });

  it('after a lost clone answer finds the started task, with exactly one POST', async () => {
    const client = connect(tokenAuth());
    sim.requests.clear();
    sim.faults.loseCloneResponse({ template: 112 });
    const newid = await client.nextVmid();
    const upid = await client.startClone({
      node: 'pve1',
      templateVmid: 112,
      newid,
      name: 'lost-answer',
      full: true,
    });
    expect(sim.task(upid)?.id).toBe('112');
    expect(sim.requests.count('POST', '/nodes/pve1/qemu/112/clone')).toBe(1);
    expect((await waitForTask(client, upid)).exitstatus).toBe('OK');
  });

  it('gives definite clone errors at once', async () => {
    const client = connect(tokenAuth());
    const clash = (await client
      .startClone({ node: 'pve1', templateVmid: 112, newid: 100, name: 'clash', full: true })
      .catch((e: unknown) => e)) as ProxmoxApiError;
    expect(clash).toBeInstanceOf(ProxmoxApiError);
    expect(clash.proxmoxMessage).toBe('unable to create VM 100: config file already exists');
    const badName = (await client
      .startClone({ node: 'pve1', templateVmid: 112, newid: 4000, name: 'not_a_dns_name', full: true })
      .catch((e: unknown) => e)) as ProxmoxApiError;
    expect(badName.status).toBe(400);
    expect(Object.keys(badName.errors)).toEqual(['name']);
  });

  it('rides out GET flaps', async () => {
    const client = connect(tokenAuth());
    sim.requests.clear();
    sim.faults.flap({ method: 'GET', path: '/cluster/resources', count: 2, status: 503 });
    expect((await client.listClusterVms()).length).toBeGreaterThan(0);
    expect(sim.requests.count('GET', '/cluster/resources')).toBe(3);
  });

  it('retries a GET to an offline node (595) and then reports it', async () => {
    const client = connect(tokenAuth());
    sim.requests.clear();
    sim.faults.nodeOffline('pve3');
    try {
      const e = (await client.getVmConfig('pve3', 102).catch((x: unknown) => x)) as ProxmoxApiError;
      expect(e).toBeInstanceOf(ProxmoxApiError);
      expect(e.status).toBe(595);
      expect(sim.requests.count('GET', '/nodes/pve3/qemu/102/config')).toBe(4);
    } finally {
      sim.faults.nodeOnline('pve3');
    }
  });

  it('says a task asked of the wrong node is not found', async () => {
    const client = connect(tokenAuth());
    const upid = sim.tasks()[0]?.upid as string;
    const e = (await client
      .getTaskStatus(upid.replace(/^UPID:pve1:/, 'UPID:pve2:'))
      .catch((x: unknown) => x)) as ProxmoxApiError;
    expect(e.isNotFound()).toBe(true);
  });

  it('logs in with a ticket, logs in again after expiry and renews before 2 h', async () => {
    const client = connect({ kind: 'password', username: sim.user.username, password: sim.user.password });
    sim.requests.clear();
    await client.listNodes();
    expect(sim.requests.count('POST', '/access/ticket')).toBe(1);
    sim.faults.expireTickets();
    const newid = await client.nextVmid();
    const upid = await client.startClone({
      node: 'pve1',
      templateVmid: 112,
      newid,
      name: 'ticket-clone',
      full: false,
    });
    expect(sim.requests.count('POST', '/access/ticket')).toBe(2);
    expect(parseUpid(upid).user).toBe(sim.user.username);
    offset += TICKET_RENEW_AFTER_MS + 60_000;
    await client.listNodes();
    expect(sim.requests.count('POST', '/access/ticket')).toBe(3);
    expect(sim.requests.filter('POST', '/access/ticket').map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await waitForTask(client, upid)).exitstatus).toBe('OK');
  });
});
