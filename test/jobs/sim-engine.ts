import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/clock.ts';
import { type CloneEngineWithChecks, createCloneEngine } from '../../src/clone/create-clone-engine.ts';
import { loadConfig } from '../../src/config.ts';
import type { Logger } from '../../src/logger.ts';
import { createProxmoxClient } from '../../src/proxmox/index.ts';
import type { ProxmoxClient } from '../../src/proxmox/types.ts';
import { type ProxmoxSim, type ProxmoxSimOptions, startProxmoxSim } from '../../src/sim/proxmox/index.ts';

/** The Proxmox simulator (HTTPS) plus a factory of real clone engines, one per simulated worker process. */
export interface SimEngines {
  sim: ProxmoxSim;
  /** A real engine over its own real HTTPS client; `freeze()` makes it go silent like a dead process. */
  engine(): CloneEngineWithChecks & { freeze(): void };
  /** A real HTTPS client of its own (the test's hand on Proxmox: start a clone, read a task). */
  client(): ProxmoxClient;
  clonePosts(): number;
  /** qmclone tasks running on the simulator now, per node. */
  runningClones(node: string): number;
  close(): Promise<void>;
}

/** Makes every call of `client` hang forever once frozen: a process that died makes no more calls. */
function freezable(client: ProxmoxClient): { client: ProxmoxClient; freeze(): void } {
  let frozen = false;
  const proxy = new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (frozen ? new Promise(() => {}) : value.apply(target, args));
    },
  });
  return { client: proxy, freeze: () => (frozen = true) };
}

/** Starts the simulator on `clock` (scaled: a clone takes well under a second) and returns engine factories. */
export async function startSimEngines(
  clock: Clock,
  logger: Logger,
  options: ProxmoxSimOptions = {},
): Promise<SimEngines> {
  const sim = await startProxmoxSim({ ...options, clock });
  const dir = await mkdtemp(join(tmpdir(), 'clonebot-jobs-'));
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, sim.caPem);
  const config = loadConfig(
    {
      PROXMOX_URL: sim.url,
      PROXMOX_CA_FILE: caFile,
      PROXMOX_TOKEN_ID: sim.token.id,
      PROXMOX_TOKEN_SECRET: sim.token.secret,
      CLONE_TIMEOUT_SECONDS: '900',
      PROGRESS_INTERVAL_SECONDS: '10',
    },
    ['proxmox', 'clone'],
  );
  const closers: (() => Promise<void>)[] = [];
  return {
    sim,
    engine() {
      const http = createProxmoxClient(config.proxmox, { logger, clock });
      const { client, freeze } = freezable(http);
      const engine = createCloneEngine({ proxmox: client, clock, logger, config: config.clone });
      closers.push(async () => {
        engine.close();
        await http.close();
      });
      return Object.assign(engine, { freeze });
    },
    client() {
      const http = createProxmoxClient(config.proxmox, { logger, clock });
      closers.push(() => http.close());
      return http;
    },
    clonePosts: () => sim.requests.count('POST', /^\/nodes\/[^/]+\/qemu\/\d+\/clone$/),
    runningClones: (node) =>
      sim.tasks().filter((t) => t.type === 'qmclone' && t.node === node && t.status === 'running').length,
    async close() {
      for (const c of closers) await c();
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
