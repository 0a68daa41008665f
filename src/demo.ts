import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { scaledClock, systemClock } from './clock.ts';
import { loadConfig, loadDemoConfig } from './config.ts';
import { type FoundRedis, findRedis } from './demo/find-redis.ts';
import { ancestorPids, watchAncestors } from './demo/watch-ancestors.ts';
import { createLogger, type Logger } from './logger.ts';
import { createRedis } from './redis/create-redis.ts';
import { type Services, startServices } from './services/start-services.ts';
import { demoCluster, type ProxmoxSim, startProxmoxSim } from './sim/proxmox/index.ts';
import { type AppTransport, type SlackSim, startSlackSim } from './sim/slack/index.ts';

/**
 * `npm run demo`: the whole bot on one laptop with no Slack workspace and no cluster. A Proxmox simulator
 * (demo cluster, time sped up so a 32 GiB clone takes about half a minute), Redis, the bot and a worker in
 * this process, and the Slack sandbox page where a person types `/clone …` and clicks Approve.
 *
 * Only the simulated cluster runs fast. The bot keeps wall-clock time, like a real bot beside a fast
 * cluster: the times it shows (requests, expiry, health checks, App Home) read right, and elapsed / ETA in
 * progress are the seconds the person watching waits. Hence the short progress interval by default.
 */

/** How often a demo clone's progress message is edited, in real seconds (production default: 30). */
export const DEMO_PROGRESS_INTERVAL_SECONDS = 3;

/** Knobs of the demo; `npm run demo` reads them from the environment, the browser test passes its own. */
export interface DemoOptions {
  /** Port of the sandbox page (and fake Slack); 0 picks a free one. */
  port?: number;
  host?: string;
  /** How much faster than real time the simulated cluster runs; the bot keeps real time. */
  timeScale?: number;
  /** A Redis URL known to work; otherwise one is found (see findRedis). */
  redisUrl?: string;
  logger?: Logger;
  /** Extra variables for the bot's configuration (e.g. PROGRESS_INTERVAL_SECONDS, default 3 here). */
  env?: Record<string, string | undefined>;
  /**
   * How the sandbox reaches the bot: `socket` (Socket Mode, the bot's WebSocket to the sandbox, as with
   * the manifest's default setup) or `http` (signed POSTs to the bot's /slack/events). Default `http`.
   */
  slackMode?: AppTransport;
}

/** The running demo. */
export interface Demo {
  sandboxUrl: string;
  slack: SlackSim;
  slackMode: AppTransport;
  proxmox: ProxmoxSim;
  services: Services;
  redis: FoundRedis;
  /** How often progress messages are edited, in real milliseconds. */
  progressIntervalMs: number;
  stop(): Promise<void>;
}

async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = createRedis({ url, sentinel: undefined, caFile: undefined }, 'cli', {
    maxRetriesPerRequest: 1,
  });
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
}

/** Starts the Proxmox simulator, Redis, the bot with its worker, and the Slack sandbox. */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const scale = options.timeScale ?? 5;
  const clusterClock = scale === 1 ? systemClock : scaledClock(scale);
  const logger = options.logger ?? createLogger('warn');
  const slackMode = options.slackMode ?? 'http';
  // Slack keeps real time: trigger_ids expire after 3 real seconds and message times read right.
  const simOptions = {
    host: options.host ?? '127.0.0.1',
    logger: logger.child({ component: 'slack-sim' }),
    transport: slackMode,
  };
  const slack = await startSlackSim({ ...simOptions, port: options.port ?? 3000 }).catch(
    (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') throw err;
      logger.warn(`port ${options.port ?? 3000} is taken: the sandbox uses a free port instead`);
      return startSlackSim({ ...simOptions, port: 0 });
    },
  );
  const cleanups: (() => Promise<unknown>)[] = [() => slack.close()];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const proxmox = await startProxmoxSim({
      clock: clusterClock,
      cluster: demoCluster(),
      logger: logger.child({ component: 'proxmox-sim' }),
    });
    cleanups.push(() => proxmox.close());
    const dir = await mkdtemp(join(tmpdir(), 'pve-clonebot-demo-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const caFile = join(dir, 'proxmox-sim-ca.pem');
    await writeFile(caFile, proxmox.caPem);
    const redis = await findRedis({ url: options.redisUrl });
    cleanups.push(() => redis.stop());
    const prefix = `clonebot-demo:${randomBytes(4).toString('hex')}:`;
    cleanups.push(() => deleteKeys(redis.url, prefix));
    const config = loadConfig(
      {
        PROXMOX_URL: proxmox.url,
        PROXMOX_TOKEN_ID: proxmox.token.id,
        PROXMOX_TOKEN_SECRET: proxmox.token.secret,
        PROXMOX_CA_FILE: caFile,
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_SIGNING_SECRET: slack.signingSecret,
        ...(slackMode === 'socket' ? { SLACK_APP_TOKEN: slack.appToken } : {}),
        SLACK_API_URL: slack.apiUrl,
        PORT: '0',
        CLONE_APPROVERS: 'S0APPROVERS',
        REDIS_URL: redis.url,
        LOG_LEVEL: 'warn',
        PROGRESS_INTERVAL_SECONDS: String(DEMO_PROGRESS_INTERVAL_SECONDS),
        ...options.env,
      },
      ['proxmox', 'clone', 'slack', 'redis', 'log'],
    );
    const services = await startServices(config, {
      mode: 'all',
      logger,
      // Real time, not the cluster's: see the file comment.
      clock: systemClock,
      prefix,
      identity: { botId: slack.botId, botUserId: slack.botUserId },
    });
    cleanups.push(() => services.stop({ drainTimeoutMs: 2000 }));
    if (slackMode === 'http') slack.setAppUrl(`http://127.0.0.1:${services.port}/slack/events`);
    const progressIntervalMs = config.clone.progressIntervalMs;
    return { sandboxUrl: slack.url, slack, slackMode, proxmox, services, redis, progressIntervalMs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function main(): Promise<void> {
  const demoConfig = loadDemoConfig();
  const {
    DEMO_PORT,
    DEMO_HOST,
    DEMO_TIME_SCALE: scale,
    DEMO_SLACK_MODE: mode,
    LOG_LEVEL,
    REDIS_URL,
  } = demoConfig;
  // Handed to the demo's bot and worker, which validate them with the rest of their configuration.
  const passThrough = [
    'PROGRESS_INTERVAL_SECONDS',
    'CLONE_TIMEOUT_SECONDS',
    'CLONE_CONCURRENCY_PER_NODE',
  ] as const;
  const demo = await startDemo({
    port: DEMO_PORT,
    host: DEMO_HOST,
    timeScale: scale,
    slackMode: mode,
    logger: createLogger(LOG_LEVEL),
    ...(REDIS_URL !== undefined ? { redisUrl: REDIS_URL } : {}),
    env: {
      LOG_LEVEL,
      ...Object.fromEntries(
        passThrough.filter((k) => demoConfig[k] !== undefined).map((k) => [k, demoConfig[k]]),
      ),
    },
  });
  const out = (line = '') => process.stdout.write(`${line}\n`);
  out('pve-clonebot demo is running.');
  out();
  out(`  Slack sandbox   ${demo.sandboxUrl}   <- open this in a browser`);
  const ops = `http://127.0.0.1:${demo.services.port}`;
  out(
    demo.slackMode === 'socket'
      ? `  Bot             Socket Mode: a WebSocket to the sandbox  (${ops}/healthz, /metrics)`
      : `  Bot             ${ops}/slack/events  (/healthz, /metrics)`,
  );
  out(`  Proxmox sim     ${demo.proxmox.url}  (pve1, pve2, pve3; cluster time x${scale}, the bot's real)`);
  out(`  Progress        every ${demo.progressIntervalMs / 1000} s  (PROGRESS_INTERVAL_SECONDS)`);
  out(`  Redis           ${demo.redis.url}  (${demo.redis.source})`);
  out();
  out('Try it: as Riley (requester) type  /clone 112 as demo-vm on pve1');
  out('        then switch to Alex (approver) and click Approve. /clone help lists the rest.');
  out('Ctrl+C (or SIGTERM, or the end of the npm/shell that started it) stops everything.');
  let stopping = false;
  const shutdown = () => {
    if (stopping) process.exit(1);
    stopping = true;
    out('\nstopping…');
    demo.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  watchAncestors(ancestorPids(), shutdown);
}

// Run only as a script (`tsx src/demo.ts`), not when a test imports startDemo.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
