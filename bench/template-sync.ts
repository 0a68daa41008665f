/**
 * `template sync` over 9 nodes on the simulator: base 0 exists only on node 1 (node-local lvm-thin, a 32 GiB
 * disk copied at 200 MiB/s), so every other node needs a full clone on a source node, an offline migration
 * and a conversion. Prints the simulated time of the whole sync, the most repairs at once and the Proxmox
 * POSTs, per CLONE_CONCURRENCY_PER_NODE, against the time the same repairs take one after another.
 * `npx tsx bench/template-sync.ts`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scaledClock } from '../src/clock.ts';
import { createCloneEngine } from '../src/clone/create-clone-engine.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { createProxmoxClient } from '../src/proxmox/index.ts';
import { memoryNodeSlots } from '../src/repair/memory-node-slots.ts';
import { syncTemplate } from '../src/repair/sync-template.ts';
import { type SimClusterSpec, startProxmoxSim } from '../src/sim/proxmox/index.ts';

const GiB = 1024 ** 3;
const NODES = 9;

function cluster(): SimClusterSpec {
  const nodes = Array.from({ length: NODES }, (_, i) => ({
    name: `pve${i + 1}`,
    nodeid: i + 1,
    ip: `10.0.0.${11 + i}`,
  }));
  return {
    name: 'bench',
    nodes,
    storages: [
      { storage: 'local-lvm', type: 'lvmthin', content: ['images'], shared: false, total: 2000 * GiB },
    ],
    vms: [
      {
        vmid: 9100,
        node: 'pve1',
        config: {
          name: 'rocky-9',
          template: 1,
          ostype: 'l26',
          boot: 'order=scsi0;net0',
          net0: 'virtio=BC:24:11:00:91:00,bridge=vmbr0',
          scsi0: 'local-lvm:base-9100-disk-0,size=32G',
        },
      },
    ],
  };
}

async function run(limitPerNode: number) {
  const clock = scaledClock(300);
  const sim = await startProxmoxSim({ clock, cluster: cluster(), authDelayMs: 0 });
  const dir = await mkdtemp(join(tmpdir(), 'clonebot-bench-'));
  try {
    await writeFile(join(dir, 'ca.pem'), sim.caPem);
    const config = loadConfig(
      {
        PROXMOX_URL: sim.url,
        PROXMOX_TOKEN_ID: sim.token.id,
        PROXMOX_TOKEN_SECRET: sim.token.secret,
        PROXMOX_CA_FILE: join(dir, 'ca.pem'),
        CLONE_CONCURRENCY_PER_NODE: String(limitPerNode),
      },
      ['proxmox', 'clone'],
    );
    const logger = createLogger('silent');
    const proxmox = createProxmoxClient(config.proxmox, { logger, clock });
    const engine = createCloneEngine({ proxmox, clock, logger, config: config.clone });
    const realStart = performance.now();
    const report = await syncTemplate(
      {
        repair: { proxmox, engine, clock, logger, pollMs: 2000 },
        slots: { slots: memoryNodeSlots(), limitPerNode, clock, logger },
        live: { proxmox, lockStuckMs: 3_600_000, templateNodeIds: undefined },
      },
      0,
    );
    const realMs = performance.now() - realStart;
    engine.close();
    await proxmox.close();
    const made = report.outcomes.filter((o) => o.result?.ok).length;
    const each = report.outcomes.flatMap((o) => (o.result?.ok ? [o.result.durationMs] : []));
    const serialMs = each.reduce((a, b) => a + b, 0);
    const posts = (re: RegExp) => sim.requests.count('POST', re);
    console.log(
      `limit ${limitPerNode}/node: ${made}/${NODES - 1} copies in ${(report.durationMs / 60_000).toFixed(1)} simulated min ` +
        `(one after another: ${(serialMs / 60_000).toFixed(1)} min; ${(serialMs / report.durationMs).toFixed(1)}x), ` +
        `peak ${report.peakConcurrent} at once, POSTs clone ${posts(/\/clone$/)} migrate ${posts(/\/migrate$/)} ` +
        `template ${posts(/\/template$/)}, real ${(realMs / 1000).toFixed(1)} s`,
    );
    if (made !== NODES - 1) throw new Error(`sync made ${made} copies: ${JSON.stringify(report.outcomes)}`);
  } finally {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }
}

for (const limit of [1, 2, 4]) await run(limit);
