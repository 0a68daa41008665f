import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scaledClock } from '../../src/clock.ts';
import type { ProxmoxConfig } from '../../src/config.ts';
import {
  CloneNotStartedError,
  createProxmoxClient,
  ProxmoxApiError,
  type ProxmoxHttpClient,
  ProxmoxNetworkError,
} from '../../src/proxmox/index.ts';
import type { CloneParams } from '../../src/proxmox/types.ts';
import { type ProxmoxSim, startProxmoxSim } from '../../src/sim/proxmox/index.ts';
import { captureLogger } from './fake-proxmox.ts';

// Two worker "processes" (each its own client, so no shared knowledge of UPIDs) using one API token.
const clock = scaledClock(1000);
let sim: ProxmoxSim;
let caFile: string;
const clients: ProxmoxHttpClient[] = [];

function connect(): ProxmoxHttpClient {
  const config: ProxmoxConfig = {
    url: sim.url,
    host: '127.0.0.1',
    port: sim.port,
    auth: { kind: 'token', tokenId: sim.token.id, secret: sim.token.secret },
    caFile,
    insecureTls: false,
    timeoutMs: 5000,
  };
  const client = createProxmoxClient(config, { logger: captureLogger().logger, clock });
  clients.push(client);
  return client;
}

const clone = (newid: number, storage: string): CloneParams => ({
  node: 'pve1',
  templateVmid: 112,
  newid,
  name: `vm-${newid}`,
  full: true,
  storage,
});
const clonePosts = () => sim.requests.count('POST', /^\/nodes\/pve1\/qemu\/112\/clone$/);

beforeAll(async () => {
  sim = await startProxmoxSim({ clock });
  caFile = join(mkdtempSync(join(tmpdir(), 'pve-sim-ca-')), 'ca.pem');
  writeFileSync(caFile, sim.caPem);
});
afterEach(() => sim.faults.clear());
afterAll(async () => {
  for (const c of clients) await c.close();
  await sim.close();
});

describe('an ambiguous clone POST while another process clones the same template', () => {
  it('does not adopt the other process’s task when its own POST never arrived', async () => {
    const [a, b] = [connect(), connect()];
    sim.faults.hangClone({ template: 112 });
    const theirs = await a.startClone(clone(200, 'ceph'));
    sim.faults.flap({ method: 'POST', path: '/qemu/112/clone', count: 1, status: 'drop' });
    const e = await b.startClone(clone(201, 'local-lvm')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CloneNotStartedError);
    expect((e as CloneNotStartedError).cause).toBeInstanceOf(ProxmoxNetworkError);
    expect((await a.getTaskStatus(theirs)).status).toBe('running');
    expect(clonePosts()).toBe(2);
    await a.stopTask(theirs);
  });

  it('adopts its own task, told apart from the other by the new VMID', async () => {
    const [a, b] = [connect(), connect()];
    sim.faults.hangClone({ template: 112 });
    const theirs = await a.startClone(clone(202, 'ceph'));
    sim.faults.loseCloneResponse({ template: 112 });
    const posts = clonePosts();
    const ours = await b.startClone(clone(203, 'local-lvm'));
    expect(ours).not.toBe(theirs);
    const log = (await b.getTaskLog(ours, 0, 0)).lines.map((l) => l.t).join('\n');
    expect(log).toContain('vm-203-disk-0');
    expect(clonePosts()).toBe(posts + 1);
    await a.stopTask(theirs);
  });

  it('fails a POST to an unreachable node at once, definitely, without looking for tasks', async () => {
    const b = connect();
    sim.faults.nodeOffline('pve1', 'No route to host');
    const looks = sim.requests.count('GET', /^\/cluster\/tasks$/);
    const posts = clonePosts();
    try {
      const e = (await b.startClone(clone(204, 'local-lvm')).catch((x: unknown) => x)) as ProxmoxApiError;
      expect(e).toBeInstanceOf(ProxmoxApiError);
      expect(e.status).toBe(595);
      expect(e.isDefinite()).toBe(true);
      expect(e.isNodeUnreachable()).toBe(true);
      expect(sim.requests.count('GET', /^\/cluster\/tasks$/)).toBe(looks);
      expect(clonePosts()).toBe(posts + 1);
    } finally {
      sim.faults.nodeOnline('pve1');
    }
  });
});
