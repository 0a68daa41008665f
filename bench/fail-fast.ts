/**
 * How fast a doomed clone is refused: real milliseconds from cloneVmFromTemplate to the failure for a
 * template without a boot disk (the design note's "fails in well under a second"), over HTTPS against the
 * simulator on this machine. `npx tsx bench/fail-fast.ts [runs]` (default 30).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/clock.ts';
import { createCloneEngine } from '../src/clone/create-clone-engine.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { createProxmoxClient } from '../src/proxmox/index.ts';
import { startProxmoxSim } from '../src/sim/proxmox/index.ts';

const runs = Number(process.argv[2] ?? 30);
const sim = await startProxmoxSim({ clock: systemClock });
const dir = await mkdtemp(join(tmpdir(), 'clonebot-bench-'));
try {
  await writeFile(join(dir, 'ca.pem'), sim.caPem);
  const config = loadConfig(
    {
      PROXMOX_URL: sim.url,
      PROXMOX_TOKEN_ID: sim.token.id,
      PROXMOX_TOKEN_SECRET: sim.token.secret,
      PROXMOX_CA_FILE: join(dir, 'ca.pem'),
    },
    ['proxmox', 'clone'],
  );
  const logger = createLogger('silent');
  const http = createProxmoxClient(config.proxmox, { logger, clock: systemClock });
  const engine = createCloneEngine({ proxmox: http, clock: systemClock, logger, config: config.clone });
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    // Template 113 of the demo cluster has its only disk in unused0.
    const r = await engine.cloneVmFromTemplate({
      template: { kind: 'vmid', vmid: 113 },
      name: `doomed-${i}`,
      node: 'pve1',
      mode: 'full',
    });
    ms.push(performance.now() - start);
    if (r.ok) throw new Error('template 113 was cloned: the bench is broken');
  }
  engine.close();
  await http.close();
  ms.sort((a, b) => a - b);
  const at = (q: number) => (ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0).toFixed(1);
  const posts = sim.requests.count('POST', /\/clone$/);
  console.log(
    `doomed clone refused: ${runs} runs, median ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${at(1)} ms, clone POSTs ${posts}`,
  );
} finally {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
}
