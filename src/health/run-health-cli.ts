import type { CliIo } from '../cli/cli-command.ts';
import { openProxmox } from '../cli/open-proxmox.ts';
import { systemClock } from '../clock.ts';
import { ConfigError, loadConfig } from '../config.ts';
import type { HealthReport } from '../core/health-types.ts';
import { createRedis, describeRedis, type RedisConfig, redisConfigured } from '../redis/create-redis.ts';
import { createRedisKnownTemplates, memoryKnownTemplates } from './known-templates-store.ts';
import { createRedisLockSinceStore, memoryLockSinceStore } from './lock-since-store.ts';
import { renderHealthText } from './render-health-text.ts';
import { runHealthCheck } from './run-health-check.ts';

/** Exit codes of `pve-clonebot health`: 0 healthy, 1 something broken, 2 bad usage or config, 3 check failed. */
export const HEALTH_EXIT = { healthy: 0, broken: 1, usage: 2, checkFailed: 3 } as const;

/** Parsed `health` arguments. */
export interface HealthCliArgs {
  json: boolean;
  prefix?: string;
}

/** `[--json] [--prefix P]`, or an error message. */
export function parseHealthArgs(args: readonly string[]): HealthCliArgs | string {
  const out: HealthCliArgs = { json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') out.json = true;
    else if (a === '--prefix' && args[i + 1] !== undefined) out.prefix = args[++i] as string;
    else return `Unknown argument '${a}': use pve-clonebot health [--json] [--prefix P]`;
  }
  return out;
}

/**
 * `pve-clonebot health`: config (proxmox, clone, health, log; redis only when REDIS_URL or REDIS_SENTINELS is set, to share the
 * bot's lock first-seen times), one check, the report as text or JSON. Without Redis lock ages start now.
 */
export async function runHealthCli(args: HealthCliArgs, io: CliIo): Promise<number> {
  let config: ReturnType<typeof loadConfig<'proxmox' | 'clone' | 'health' | 'log'>>;
  let redisConfig: RedisConfig | undefined;
  try {
    config = loadConfig(io.env, ['proxmox', 'clone', 'health', 'log']);
    if (redisConfigured(io.env)) redisConfig = loadConfig(io.env, ['redis']).redis;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(error.message);
    return HEALTH_EXIT.usage;
  }
  const opened = openProxmox(config);
  if (!opened.ok) {
    io.err(opened.message);
    return HEALTH_EXIT.usage;
  }
  const { logger, client: proxmox } = opened;
  const redis =
    redisConfig === undefined
      ? undefined
      : createRedis(redisConfig, 'cli', { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000 });
  let memoryNote: string | undefined;
  if (redis) {
    await redis.connect().catch((err: unknown) => {
      memoryNote = `${describeRedis(redisConfig as RedisConfig)} could not be reached (${String(err)}): lock ages count from this run`;
    });
  } else memoryNote = 'REDIS_URL is not set: lock ages count from this run (the bot remembers them in Redis)';
  const shared = redis !== undefined && memoryNote === undefined;
  try {
    const report: HealthReport = await runHealthCheck({
      proxmox,
      clock: systemClock,
      lockSince: shared ? createRedisLockSinceStore(redis, args.prefix) : memoryLockSinceStore(),
      knownTemplates: shared ? createRedisKnownTemplates(redis, args.prefix) : memoryKnownTemplates(),
      lockStuckMs: config.health.lockStuckMs,
      templateNodeIds: config.clone.templateNodeIds,
      logger,
      ...(memoryNote !== undefined ? { note: memoryNote } : {}),
    });
    if (args.json) io.out(JSON.stringify(report, null, 2));
    else for (const line of renderHealthText(report)) io.out(line);
    return report.summary.ok ? HEALTH_EXIT.healthy : HEALTH_EXIT.broken;
  } catch (error) {
    io.err(`Health check failed: ${error instanceof Error ? error.message : String(error)}`);
    return HEALTH_EXIT.checkFailed;
  } finally {
    redis?.disconnect();
    await proxmox.close();
  }
}
