/**
 * Proxmox API calls per clone with N concurrent clones in one process, against the simulator:
 * `npx tsx bench/clone-api-calls.ts [--scale=S] [N ...]` (default 1 4 8; time runs S times faster, default 60:
 * faster scales let the real time of each HTTPS call distort the simulated timings). Shared polling should keep the per-clone
 * figure falling as N grows (one /cluster/tasks read per poll for all clones, /cluster/resources when a
 * clone needs its phase). Also prints how late each clone's end was noticed: from the task's `endtime`
 * in the simulator to the engine's `verifying-clone` report (the moment it saw the task end) and to its
 * result. `endtime` is whole seconds (floored), so each figure may overstate the delay by up to 1 s.
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

const stats = (xs: number[]) =>
  xs.length === 0
    ? 'n/a'
    : `mean ${(xs.reduce((a, b) => a + b, 0) / xs.length / 1000).toFixed(1)} s, max ${(Math.max(...xs) / 1000).toFixed(1)} s`;

async function measure(n: number, scale: number): Promise<string> {
  const clock = scaledClock(scale);
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
    const noticed: number[] = [];
    const resulted: number[] = [];
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        let noticedAt: number | undefined;
        const r = await engine.cloneVmFromTemplate(
          {
            template: { kind: 'vmid', vmid: 112 },
            name: `bench-${i}`,
            node: 'pve1',
            mode: 'full',
          },
          {
            onProgress: (p) => {
              if (p.phase === 'verifying-clone') noticedAt = clock.now();
            },
          },
        );
        const endtime = r.upid === undefined ? undefined : sim.task(r.upid)?.endtime;
        if (!r.ok || endtime === undefined) return;
        if (noticedAt !== undefined) noticed.push(noticedAt - endtime * 1000);
        resulted.push(clock.now() - endtime * 1000);
      }),
    );
    const simulated = (clock.now() - start) / 1000;
    engine.close();
    await http.close();
    const failed = n - resulted.length;
    const c = counted.counts();
    const polls = engine.watcher.stats().polls;
    const top = Object.entries(c.byMethod)
      .sort((a, b) => b[1] - a[1])
      .map(([m, k]) => `${m}=${k}`)
      .join(' ');
    return [
      `N=${n}: ${c.total} calls, ${(c.total / n).toFixed(1)} per clone, ${polls} polls, ${simulated.toFixed(0)} s simulated, ${failed} failed | ${top}`,
      `      task end → noticed: ${stats(noticed)}; task end → result: ${stats(resulted)}`,
    ].join('\n');
  } finally {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
const scale = Number(args.find((a) => a.startsWith('--scale='))?.slice('--scale='.length) ?? 60);
const sizes = args.filter((a) => !a.startsWith('--')).map(Number);
console.log(`clock scale ${scale}`);
for (const n of sizes.length > 0 ? sizes : [1, 4, 8]) console.log(await measure(n, scale));
