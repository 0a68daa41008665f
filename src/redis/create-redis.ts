import { Redis, type RedisOptions, type SentinelConnectionOptions, SentinelConnector } from 'ioredis';
import type { Config } from '../config.ts';
import { readCaFile } from '../config/read-ca-file.ts';

/** ioredis's options, less the RESP3 reply mapping this program never uses (it types `new Redis` apart). */
export type ConnectionOptions = Omit<RedisOptions, 'replyMapping'>;

/** The validated Redis section: REDIS_URL, REDIS_CA_FILE, and Sentinel when REDIS_SENTINELS is set. */
export type RedisConfig = Config['redis'];

/** Who holds the connection: a long-running bot/worker, or a one-shot CLI command that must give up. */
export type RedisRole = 'service' | 'cli';

/** Whether the environment asks for Redis at all (the CLI's commands work without it). */
export function redisConfigured(env: Record<string, string | undefined>): boolean {
  return Boolean(env.REDIS_URL?.trim() || env.REDIS_SENTINELS?.trim());
}

/** Where this config points, for messages: never a password. */
export function describeRedis(config: RedisConfig): string {
  if (config.sentinel === undefined) return 'Redis at REDIS_URL';
  const at = config.sentinel.sentinels.map((s) => `${s.host}:${s.port}`).join(',');
  return `Redis master '${config.sentinel.name}' via REDIS_SENTINELS (${at})`;
}

/**
 * REDIS_CA_FILE's PEM, read once per connection made; undefined without it (the system store is trusted).
 * A file that cannot be read or holds no certificate is a start error naming the variable.
 */
export function redisCa(config: Pick<RedisConfig, 'caFile'>): string | undefined {
  if (config.caFile === undefined) return undefined;
  return readCaFile('REDIS_CA_FILE', config.caFile);
}

/**
 * The master's user, password, database and TLS, from REDIS_URL (its host is Sentinel's to choose), and the
 * REDIS_CA_FILE CA for `rediss:`.
 */
export function masterOptions(config: Pick<RedisConfig, 'url' | 'caFile'>): ConnectionOptions {
  const u = new URL(config.url);
  const db = u.pathname.replace(/^\//, '');
  const ca = u.protocol === 'rediss:' ? redisCa(config) : undefined;
  const tls = ca !== undefined ? { ca } : {};
  return {
    ...(u.username !== '' ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password !== '' ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== '' ? { db: Number(db) } : {}),
    // rediss: TLS to the master and replicas, and to the sentinels (a TLS deployment sets `tls-port` on all).
    ...(u.protocol === 'rediss:' ? { tls, enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
  };
}

/**
 * A CLI gives up after a few rounds over every sentinel (ioredis's default retries forever, so a wrong
 * address would hang the command); a service keeps trying, its start probe having checked the settings.
 */
const cliSentinelRetry = (attempt: number): number | null => (attempt > 3 ? null : attempt * 200);

/**
 * ioredis's SentinelConnector, less a race that killed connections for good on a failover (seen in
 * test/redis/e2e-sentinel-failover.test.ts under load; test/redis/sentinel-connector.test.ts replays it).
 * The `+switch-master` subscription of a connection (its failover detector) outlives the connection when the
 * master dies: nothing cleans it up until the next connection is made. ioredis meanwhile reconnects, asking
 * the sentinels for the master. When `+switch-master` arrives while such an ask is under way, the stale
 * detector's disconnect marks the connector closed, the ask ends in "Connection is closed.", and ioredis sets
 * the Redis to `end` with no retry: every later command fails (the store, BullMQ's queues and workers).
 * Here each connect first drops the previous connection's detector; the connect under way asks the
 * sentinels anyway, and a new detector is made once it reaches the master.
 */
export class FailoverSafeSentinelConnector extends SentinelConnector {
  // ioredis's `Connector` option types its argument as unknown; it passes the connection's options.
  constructor(options: unknown) {
    super(options as SentinelConnectionOptions);
  }

  override connect(eventEmitter: Parameters<SentinelConnector['connect']>[0]) {
    // ioredis keeps the detector private; cleanup() closes its sentinel subscriptions (safe to repeat).
    const self = this as unknown as { failoverDetector: { cleanup(): void } | null };
    self.failoverDetector?.cleanup();
    self.failoverDetector = null;
    return super.connect(eventEmitter);
  }
}

/**
 * The one place a Redis connection is made. Plain: `new Redis(REDIS_URL)`. Sentinel: ioredis asks the
 * sentinels for the master `REDIS_SENTINEL_NAME` on every (re)connect; `failoverDetector` subscribes to their
 * `+switch-master` so a failover reconnects at once; a READONLY reply (this master was demoted to a replica)
 * reconnects to the new master and resends the command (2). `options` are the caller's (BullMQ needs
 * `maxRetriesPerRequest: null` on its connections).
 */
export function createRedis(config: RedisConfig, role: RedisRole, options: ConnectionOptions = {}): Redis {
  const sentinel = config.sentinel;
  if (sentinel === undefined) {
    // ioredis reads rediss: itself; only a private CA needs passing.
    const ca = config.url.startsWith('rediss:') ? redisCa(config) : undefined;
    return new Redis(config.url, { ...(ca !== undefined ? { tls: { ca } } : {}), ...options });
  }
  return new Redis({
    ...masterOptions(config),
    sentinels: sentinel.sentinels,
    name: sentinel.name,
    ...(sentinel.password !== undefined ? { sentinelPassword: sentinel.password } : {}),
    failoverDetector: role === 'service',
    // Options are copied by duplicate(), so BullMQ's own connections get this connector too.
    Connector: FailoverSafeSentinelConnector,
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
    ...(role === 'cli' ? { sentinelRetryStrategy: cliSentinelRetry } : {}),
    ...options,
  });
}
