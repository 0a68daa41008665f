import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Response, fetch as undiciFetch } from 'undici';
import { systemClock } from '../../src/clock.ts';
import type { ProxmoxConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createProxmoxClient, type FetchFn, type ProxmoxHttpClient } from '../../src/proxmox/index.ts';
import { demoCluster, type ProxmoxSim, startProxmoxSim } from '../../src/sim/proxmox/index.ts';

const GiB = 1024 ** 3;

/** The simulator (demo cluster plus node pve4) and clients; real time (nothing here waits on the clock). */
export interface HealthSim {
  sim: ProxmoxSim;
  caFile: string;
  /** A client whose answers to GET /nodes/{node}/storage mark the storages in `inactive` as `active: 0`. */
  proxmox: ProxmoxHttpClient;
  /** `node/storage` pairs the client above sees inactive (the simulator has no such fault). */
  inactive: Set<string>;
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * An inactive storage as Proxmox reports it (an NFS share gone, a pool not imported): still listed, enabled,
 * `active: 0`, no sizes. The simulator cannot make one, so the wire answer is rewritten on its way in.
 */
function inactiveStorages(inactive: Set<string>): FetchFn {
  return (async (input: Parameters<FetchFn>[0], init?: Parameters<FetchFn>[1]) => {
    const res = await undiciFetch(input, init);
    const path = new URL(String(input instanceof URL ? input : typeof input === 'string' ? input : input.url))
      .pathname;
    const m = /\/api2\/json\/nodes\/([^/]+)\/storage$/.exec(path);
    if (!m || res.status !== 200 || ![...inactive].some((x) => x.startsWith(`${m[1]}/`))) return res;
    const body = (await res.json()) as { data: Record<string, unknown>[] };
    for (const s of body.data) {
      if (!inactive.has(`${m[1]}/${String(s.storage)}`)) continue;
      s.active = 0;
      for (const k of ['total', 'used', 'avail', 'used_fraction']) delete s[k];
    }
    return new Response(JSON.stringify(body), { status: 200, headers: res.headers });
  }) as FetchFn;
}

/** Starts the simulator with pve4 (node id 4, template 9400) added to the demo cluster. */
export async function startHealthSim(): Promise<HealthSim> {
  const cluster = demoCluster();
  cluster.nodes.push({ name: 'pve4', nodeid: 4, ip: '10.0.0.14' });
  const d9100 = cluster.vms.find((v) => v.vmid === 9100);
  if (!d9100) throw new Error('demo cluster without 9100');
  const c9400: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(d9100.config)) c9400[k] = String(v).replaceAll('9100', '9400');
  cluster.vms.push({ vmid: 9400, node: 'pve4', config: c9400 });
  const sim = await startProxmoxSim({ cluster, clock: systemClock, offlineDelayMs: 50 });
  const caFile = join(mkdtempSync(join(tmpdir(), 'health-ca-')), 'ca.pem');
  writeFileSync(caFile, sim.caPem);
  const config: ProxmoxConfig = {
    url: sim.url,
    host: '127.0.0.1',
    port: sim.port,
    auth: { kind: 'token', tokenId: sim.token.id, secret: sim.token.secret },
    caFile,
    insecureTls: false,
    timeoutMs: 5000,
  };
  const inactive = new Set<string>();
  const proxmox = createProxmoxClient(config, {
    logger: createLogger('silent'),
    clock: systemClock,
    fetch: inactiveStorages(inactive),
    retry: { attempts: 1, baseDelayMs: 10 },
  });
  return {
    sim,
    caFile,
    proxmox,
    inactive,
    env: {
      PROXMOX_URL: sim.url,
      PROXMOX_TOKEN_ID: sim.token.id,
      PROXMOX_TOKEN_SECRET: sim.token.secret,
      PROXMOX_CA_FILE: caFile,
      LOG_LEVEL: 'silent',
    },
    async close() {
      await proxmox.close();
      await sim.close();
    },
  };
}

/**
 * Breaks the demo cluster the ways templates break: 9100 empty boot order, 9200 boot disk gone, 9300 without
 * its cloud-init drive and on an inactive ceph (pve3), 9210 on a nearly full storage, 9205 locked (backup).
 * Already broken in the demo: 113 (disk only in unused0), 9105/9205 drifted sizes, base 5 missing on pve3.
 */
export function breakTemplates(h: HealthSim): void {
  const { sim } = h;
  sim.faults.emptyBootOrder(9100);
  sim.faults.removeBootDisk(9200);
  const c9300 = { ...(sim.vm(9300)?.config ?? {}) };
  delete c9300.ide2;
  c9300.boot = 'order=scsi0;net0';
  sim.addVm({ vmid: 9300, node: 'pve3', config: c9300 });
  h.inactive.add('pve3/ceph');
  sim.addStorage({
    storage: 'nvme',
    type: 'lvmthin',
    content: ['images'],
    shared: false,
    total: 10 * GiB,
    nodes: ['pve2'],
  });
  sim.addVm({
    vmid: 9210,
    node: 'pve2',
    config: {
      name: 'alpine-3',
      template: 1,
      ostype: 'l26',
      boot: 'order=scsi0;net0',
      scsi0: 'nvme:base-9210-disk-0,size=8G',
      net0: 'virtio=BC:24:11:00:92:10,bridge=vmbr0',
    },
  });
  sim.faults.lockVm(9205, 'backup');
}
