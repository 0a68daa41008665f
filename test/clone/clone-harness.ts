import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, scaledClock } from '../../src/clock.ts';
import { type CloneEngineWithChecks, createCloneEngine } from '../../src/clone/create-clone-engine.ts';
import { loadConfig } from '../../src/config.ts';
import type { CloneRequest, CloneResult } from '../../src/core/types.ts';
import { createLogger } from '../../src/logger.ts';
import { createProxmoxClient, type ProxmoxHttpClient } from '../../src/proxmox/index.ts';
import { type ProxmoxSim, type ProxmoxSimOptions, startProxmoxSim } from '../../src/sim/proxmox/index.ts';
import { steppedClock } from './stepped-clock.ts';

/** A simulator, a real HTTPS Proxmox client and an engine on one scaled clock. */
export interface CloneHarness {
  sim: ProxmoxSim;
  clock: Clock;
  client: ProxmoxHttpClient;
  engine: CloneEngineWithChecks;
  caFile: string;
  env: Record<string, string>;
  /** Clone POSTs the simulator saw. */
  clonePosts(): number;
  close(): Promise<void>;
}

export interface HarnessOptions {
  scale?: number;
  /** Simulated time that moves only while no Proxmox call is in flight (steppedClock): `scale` is unused. */
  stepped?: boolean;
  env?: Record<string, string>;
  sim?: ProxmoxSimOptions;
  auth?: 'token' | 'password';
  engine?: {
    pollIntervalMs?: number;
    lockClearTimeoutMs?: number;
    cancelGraceMs?: number;
    startsAtOnce?: number;
  };
}

/** Starts the harness: time runs `scale` times faster for the simulator and the engine alike. */
export async function startCloneHarness(options: HarnessOptions = {}): Promise<CloneHarness> {
  const stepped = options.stepped ? steppedClock() : undefined;
  const clock = options.sim?.clock ?? stepped ?? scaledClock(options.scale ?? 300);
  const sim = await startProxmoxSim({ ...options.sim, clock });
  const dir = await mkdtemp(join(tmpdir(), 'clonebot-test-'));
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, sim.caPem);
  const creds =
    options.auth === 'password'
      ? { PROXMOX_USERNAME: sim.user.username, PROXMOX_PASSWORD: sim.user.password }
      : { PROXMOX_TOKEN_ID: sim.token.id, PROXMOX_TOKEN_SECRET: sim.token.secret };
  const env: Record<string, string> = {
    PROXMOX_URL: sim.url,
    PROXMOX_CA_FILE: caFile,
    ...creds,
    CLONE_TIMEOUT_SECONDS: '900',
    PROGRESS_INTERVAL_SECONDS: '10',
    LOG_LEVEL: 'silent',
    ...options.env,
  };
  const config = loadConfig(env, ['proxmox', 'clone', 'log']);
  const logger = createLogger(config.log.level);
  const client = createProxmoxClient(config.proxmox, { logger, clock });
  const engine = createCloneEngine({
    proxmox: stepped ? stepped.hold(client) : client,
    clock,
    logger,
    config: config.clone,
    ...options.engine,
  });
  return {
    sim,
    clock,
    client,
    engine,
    caFile,
    env,
    clonePosts: () => sim.requests.count('POST', /^\/nodes\/[^/]+\/qemu\/\d+\/clone$/),
    async close() {
      engine.close();
      stepped?.stop();
      await client.close();
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A clone request in a line. */
export function cloneRequest(
  template: number,
  name: string,
  node: string,
  extra: Partial<CloneRequest> = {},
): CloneRequest {
  return { template: { kind: 'vmid', vmid: template }, name, node, mode: 'full', ...extra };
}

/**
 * Starts `count` clones of template 112 on pve1 at once (named `<prefix>-<i>`) and resolves once every one's
 * task was started; `abort` cancels them all, `results` are their ends.
 */
export async function startManyClones(h: CloneHarness, count: number, prefix: string) {
  const abort = new AbortController();
  const upids = new Set<string>();
  const results: Promise<CloneResult>[] = [];
  for (let i = 0; i < count; i++) {
    results.push(
      h.engine.cloneVmFromTemplate(cloneRequest(112, `${prefix}-${i}`, 'pve1'), {
        signal: abort.signal,
        onCheckpoint: async (cp) => {
          if (cp.upid !== undefined) upids.add(cp.upid);
        },
      }),
    );
  }
  for (let i = 0; upids.size < count; i++) {
    if (i > 3000) throw new Error(`only ${upids.size} clones started`);
    await h.clock.sleep(100);
  }
  return { abort, results };
}
