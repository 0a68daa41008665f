/**
 * A lease sweep over a big cluster: `npx tsx bench/lease-sweep.ts [--vms=5000] [--ours=500] [--expired=50]`.
 * Issue 10 asks for O(1) list calls (one /cluster/resources) plus one config read per VM of ours, whatever
 * the cluster's size. Prints the Proxmox calls by kind and the sweep's wall time against the simulator
 * (HTTPS on localhost: real clusters add ~10-30 ms per call; reads run 8 at a time).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scaledClock } from '../src/clock.ts';
import { loadConfig } from '../src/config.ts';
import { vmDescription, vmTags } from '../src/core/vm-record.ts';
import { createLogger } from '../src/logger.ts';
import { createProxmoxClient } from '../src/proxmox/index.ts';
import { startProxmoxSim } from '../src/sim/proxmox/index.ts';
import { memoryLedger, sweepLeases } from '../src/vm/sweep-leases.ts';
import { silentLeaseNotifier } from '../src/vm/types.ts';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const total = arg('vms', 5000);
const ours = arg('ours', 500);
const expired = arg('expired', 50);

const clock = scaledClock(200);
const sim = await startProxmoxSim({ clock, authDelayMs: 0 });
const dir = await mkdtemp(join(tmpdir(), 'clonebot-bench-'));
try {
  await writeFile(join(dir, 'ca.pem'), sim.caPem);
  const now = clock.now();
  for (let i = 0; i < total; i++) {
    const vmid = 10_000 + i;
    const config: Record<string, string | number> = {
      name: `vm${vmid}`,
      scsi0: `local-lvm:vm-${vmid}-disk-0,size=4G`,
      tags: i % 7 === 0 ? 'prod;web' : '',
    };
    if (i < ours) {
      const o = {
        requestId: `cr-b${String(i).padStart(7, '0')}`,
        ownerId: `U${String(i % 40).padStart(8, '0')}`,
        template: '112',
        // The first `expired` ones are past their end; the rest end in 5 days.
        expiresAt: i < expired ? now - 3_600_000 : now + 5 * 86_400_000,
      };
      config.tags = vmTags(o);
      config.description = vmDescription(o);
    }
    if (config.tags === '') delete config.tags;
    sim.addVm({ vmid, node: i % 2 === 0 ? 'pve1' : 'pve3', config });
  }
  const config = loadConfig(
    {
      PROXMOX_URL: sim.url,
      PROXMOX_TOKEN_ID: sim.token.id,
      PROXMOX_TOKEN_SECRET: sim.token.secret,
      PROXMOX_CA_FILE: join(dir, 'ca.pem'),
      LOG_LEVEL: 'silent',
    },
    ['proxmox', 'log'],
  );
  const logger = createLogger('silent');
  const client = createProxmoxClient(config.proxmox, { logger, clock });
  const before = sim.requests.entries.length;
  const started = performance.now();
  const report = await sweepLeases({
    proxmox: client,
    clock,
    logger,
    notifier: silentLeaseNotifier,
    ledger: memoryLedger(),
    pollMs: 500,
  });
  const ms = performance.now() - started;
  const calls = sim.requests.entries.slice(before);
  const count = (re: RegExp, method = 'GET') =>
    calls.filter((c) => c.method === method && re.test(c.path)).length;
  console.log(`cluster: ${total} VMs, ${ours} ours, ${expired} expired`);
  console.log(`  /cluster/resources:            ${count(/^\/cluster\/resources$/)}`);
  console.log(
    `  config reads:                  ${count(/\/qemu\/\d+\/config$/)} (${ours} ours + ${expired} re-read before delete)`,
  );
  console.log(
    `  stops / destroys:              ${count(/\/status\/stop$/, 'POST')} / ${count(/\/qemu\/\d+$/, 'DELETE')}`,
  );
  console.log(`  task status polls:             ${count(/\/tasks\/.*\/status$/)}`);
  console.log(`  all calls:                     ${calls.length}`);
  console.log(
    `  sweep: ${report.checked} checked, ${report.deleted.length} deleted, ${report.warned.length} warned, ${report.refused.length} refused, ${report.failed.length} failed in ${(ms / 1000).toFixed(2)} s`,
  );
  await client.close();
} finally {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
}
