import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/clock.ts';
import { createProxmoxClient, type ProxmoxHttpClient } from '../../src/proxmox/index.ts';
import type { ProxmoxSim } from '../../src/sim/proxmox/index.ts';
import { captureLogger } from '../proxmox/fake-proxmox.ts';

/** A real Proxmox client (token auth, the simulator's CA) on the given clock. */
export function simClient(sim: ProxmoxSim, clock: Clock): ProxmoxHttpClient {
  const caFile = join(mkdtempSync(join(tmpdir(), 'pve-sim-ca-')), 'ca.pem');
  writeFileSync(caFile, sim.caPem);
  return createProxmoxClient(
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
}
