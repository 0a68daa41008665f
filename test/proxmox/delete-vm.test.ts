import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaledClock } from '../../src/clock.ts';
import type { ProxmoxAuth, ProxmoxConfig } from '../../src/config.ts';
import {
  createProxmoxClient,
  ProxmoxApiError,
  type ProxmoxHttpClient,
  ProxmoxNetworkError,
  parseUpid,
} from '../../src/proxmox/index.ts';
import { type ProxmoxSim, startProxmoxSim } from '../../src/sim/proxmox/index.ts';
import { captureLogger } from './fake-proxmox.ts';

const clock = scaledClock(1000);
let sim: ProxmoxSim;
let caFile: string;
const clients: ProxmoxHttpClient[] = [];

function connect(auth?: ProxmoxAuth): ProxmoxHttpClient {
  const config: ProxmoxConfig = {
    url: sim.url,
    host: '127.0.0.1',
    port: sim.port,
    auth: auth ?? { kind: 'token', tokenId: sim.token.id, secret: sim.token.secret },
    caFile,
    insecureTls: false,
    timeoutMs: 5000,
  };
  const client = createProxmoxClient(config, { logger: captureLogger().logger, clock });
  clients.push(client);
  return client;
}

/** A stopped, unlocked VM with one disk, as a finished clone leaves it. */
function addVm(vmid: number, extra: Record<string, string | number> = {}): void {
  sim.addVm({
    vmid,
    node: 'pve1',
    config: { name: `vm-${vmid}`, scsi0: `local-lvm:vm-${vmid}-disk-0,size=4G`, ...extra },
  });
}

/** Polls the qmdestroy task until it ends (the simulator's task takes simulated time, as Proxmox's does). */
async function ended(client: ProxmoxHttpClient, upid: string) {
  for (;;) {
    const status = await client.getTaskStatus(upid);
    if (status.status === 'stopped') return status;
    await clock.sleep(200);
  }
}

const deletes = (vmid: number) => sim.requests.filter('DELETE', `/nodes/pve1/qemu/${vmid}`);

beforeAll(async () => {
  sim = await startProxmoxSim({ clock });
  caFile = join(mkdtempSync(join(tmpdir(), 'pve-sim-ca-')), 'ca.pem');
  writeFileSync(caFile, sim.caPem);
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await sim.close();
});

describe('deleteVm against the Proxmox simulator', () => {
  it('destroys the VM with one DELETE, no parameters, and returns the qmdestroy task’s UPID', async () => {
    addVm(7001);
    const client = connect();
    const upid = await client.deleteVm('pve1', 7001);
    expect(parseUpid(upid)).toMatchObject({ node: 'pve1', type: 'qmdestroy', id: '7001' });
    const status = await ended(client, upid);
    expect(status).toMatchObject({ status: 'stopped', exitstatus: 'OK', type: 'qmdestroy' });
    expect(sim.vm(7001)).toBeUndefined();
    expect(await client.findVmConfig('pve1', 7001)).toBeUndefined();
    expect(deletes(7001)).toHaveLength(1);
    expect(deletes(7001)[0]?.query).toBe('');
  });

  it('works with ticket auth too (a DELETE needs the CSRF token)', async () => {
    addVm(7002);
    const client = connect({ kind: 'password', username: sim.user.username, password: sim.user.password });
    const upid = await client.deleteVm('pve1', 7002);
    expect((await ended(client, upid)).exitstatus).toBe('OK');
    expect(sim.vm(7002)).toBeUndefined();
  });

  it('a locked VM is refused by Proxmox (we never send skiplock) and stays', async () => {
    addVm(7003, { lock: 'clone' });
    // qemu-server destroy_vm checks the lock inside the qmdestroy task (proxmox-api.md Corrections 8).
    const client = connect();
    const upid = await client.deleteVm('pve1', 7003);
    expect((await ended(client, upid)).exitstatus).toBe('VM is locked (clone)');
    expect(sim.vm(7003)?.config.lock).toBe('clone');
    expect(deletes(7003)).toHaveLength(1);
  });

  it('a VM that is not there is a not-found error; a missing privilege is a 403', async () => {
    const client = connect();
    const gone = await client.deleteVm('pve1', 7999).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(ProxmoxApiError);
    expect((gone as ProxmoxApiError).isNotFound()).toBe(true);
    addVm(7004);
    sim.faults.denyPrivilege('/vms/7004', 'VM.Allocate');
    const denied = await client.deleteVm('pve1', 7004).catch((e: unknown) => e);
    sim.faults.clear();
    expect((denied as ProxmoxApiError).isPermissionDenied()).toBe(true);
    expect(sim.vm(7004)).toBeDefined();
  });

  it('a DELETE whose connection drops is never resent', async () => {
    addVm(7005);
    const client = connect();
    await client.listNodes(); // log in and open the connection first
    sim.faults.flap({ method: 'DELETE', path: '/qemu/7005', count: 3, status: 'drop' });
    const error = await client.deleteVm('pve1', 7005).catch((e: unknown) => e);
    sim.faults.clear();
    expect(error).toBeInstanceOf(ProxmoxNetworkError);
    expect(deletes(7005)).toHaveLength(1);
  });
});
