/**
 * Proxmox API calls per clone with N concurrent clones in one process, against the simulator:
 * `npx tsx bench/clone-api-calls.ts [N ...]` (default 1 4 8). Shared polling should keep the per-clone
 * figure falling as N grows (one /cluster/tasks + one /cluster/resources read per poll for all clones).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scaledClock } from '../src/clock.ts';
import { countProxmoxCalls } from '../src/clone/count-proxmox-calls.ts';
import { createCloneEngine } from '../src/clone/create-clone-engine.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { createProxmoxClient } from '../src/proxmox/index.ts';
import { startProxmoxSim } from '../src/sim/proxmox/index.ts';

async function measure(n: number): Promise<string> {
  const clock = scaledClock(300);
  // Enough storage-lock slots that the bench measures polling, not lock timeouts.
  const sim = await startProxmoxSim({ clock, storageLockConcurrency: n });
  const dir = await mkdtemp(join(tmpdir(), 'clonebot-bench-'));
  try {
    await writeFile(join(dir, 'ca.pem'), sim.caPem);
    const config = loadConfig(
      {
        PROXMOX_URL: sim.url,
        PROXMOX_TOKEN_ID: sim.token.id,
        PROXMOX_TOKEN_SECRET: sim.token.secret,
        PROXMOX_CA_FILE: join(dir, 'ca.pem'),
        LOG_LEVEL: 'silent',
      },
      ['proxmox', 'clone', 'log'],
    );
    const logger = createLogger('silent');
    const http = createProxmoxClient(config.proxmox, { logger, clock });
    const counted = countProxmoxCalls(http);
    const engine = createCloneEngine({ proxmox: counted.client, clock, logger, config: config.clone });
    const start = clock.now();
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        engine.cloneVmFromTemplate({
          template: { kind: 'vmid', vmid: 112 },
          name: `bench-${i}`,
          node: 'pve1',
          mode: 'full',
        }),
      ),
    );
    const simulated = (clock.now() - start) / 1000;
    engine.close();
    await http.close();
    const failed = results.filter((r) => !r.ok).length;
    const c = counted.counts();
    const polls = engine.watcher.stats().polls;
    const top = Object.entries(c.byMethod)
      .sort((a, b) => b[1] - a[1])
      .map(([m, k]) => `${m}=${k}`)
      .join(' ');
    return `N=${n}: ${c.total} calls, ${(c.total / n).toFixed(1)} per clone, ${polls} polls, ${simulated.toFixed(0)} s simulated, ${failed} failed | ${top}`;
  } finally {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length > 0 ? sizes : [1, 4, 8]) console.log(await measure(n));
