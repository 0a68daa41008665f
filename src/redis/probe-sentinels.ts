import { Redis } from 'ioredis';
import { type ConnectionOptions, masterOptions, type RedisConfig } from './create-redis.ts';

/** Sentinel settings that cannot work: thrown at start, its message naming the variable to fix. */
export class RedisStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisStartError';
  }
}

/** One try, no retries, bounded in time: a probe must answer, not wait for the network to heal. */
const once = (timeoutMs: number): ConnectionOptions => ({
  lazyConnect: true,
  retryStrategy: () => null,
  maxRetriesPerRequest: 0,
  enableOfflineQueue: false,
  connectTimeout: timeoutMs,
  commandTimeout: timeoutMs,
});

async function ask<T>(options: ConnectionOptions, run: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(options);
  // A refused AUTH arrives as an error event, the command failing only with "Connection is closed".
  let first: unknown;
  r.on('error', (err: unknown) => {
    first ??= err;
  });
  try {
    await r.connect();
    return await run(r);
  } catch (err) {
    throw first ?? err;
  } finally {
    r.disconnect();
  }
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const isAuth = (text: string) => /NOAUTH|WRONGPASS|invalid password|Authentication required/i.test(text);
/** Node's certificate-check failures (self-signed, unknown issuer, wrong host name). */
const isUntrusted = (text: string) =>
  /certificate|self[- ]signed|unable to verify|ERR_TLS|Hostname\/IP does not match/i.test(text);

/** The fix for a certificate this process does not trust, naming REDIS_CA_FILE. */
function untrusted(config: RedisConfig, whose: string, detail: string): RedisStartError {
  return new RedisStartError(
    config.caFile === undefined
      ? `REDIS_CA_FILE: the TLS certificate of ${whose} is not trusted (${detail}); set REDIS_CA_FILE to the PEM of the CA that signed it`
      : `REDIS_CA_FILE: the TLS certificate of ${whose} is not signed by the CA in '${config.caFile}' (${detail})`,
  );
}

/**
 * With Sentinel, checks at start what ioredis would otherwise retry forever in silence (an unreachable
 * sentinel list, a master name no sentinel monitors, a wrong password, a certificate REDIS_CA_FILE does not vouch for): each sentinel is asked
 * `SENTINEL get-master-addr-by-name`, then the master it names must answer PING. Without Sentinel: nothing.
 */
export async function probeSentinels(config: RedisConfig, timeoutMs = 3000): Promise<void> {
  const sentinel = config.sentinel;
  if (sentinel === undefined) return;
  let master: ConnectionOptions;
  try {
    master = masterOptions(config);
  } catch (err) {
    throw new RedisStartError(reason(err));
  }
  const failures: string[] = [];
  let masterAddr: { host: string; port: number } | undefined;
  for (const s of sentinel.sentinels) {
    const at = `${s.host}:${s.port}`;
    try {
      const reply = await ask(
        {
          ...once(timeoutMs),
          host: s.host,
          port: s.port,
          ...(sentinel.password !== undefined ? { password: sentinel.password } : {}),
          ...(master.sentinelTLS !== undefined ? { tls: master.sentinelTLS } : {}),
        },
        (r) => r.call('SENTINEL', 'get-master-addr-by-name', sentinel.name),
      );
      if (Array.isArray(reply) && reply.length === 2) {
        masterAddr = { host: String(reply[0]), port: Number(reply[1]) };
        break;
      }
      failures.push(`${at}: monitors no master named '${sentinel.name}'`);
    } catch (err) {
      failures.push(`${at}: ${reason(err)}`);
    }
  }
  if (masterAddr === undefined) {
    const all = failures.join('; ');
    // A sentinel that answered without the name is the one that decides: the others may just be down.
    if (failures.some((f) => f.includes('monitors no master'))) {
      throw new RedisStartError(
        `REDIS_SENTINEL_NAME: no sentinel knows a master named '${sentinel.name}' (${all}); use the name of their \`sentinel monitor <name> ...\` line`,
      );
    }
    if (failures.some(isUntrusted)) throw untrusted(config, 'the sentinels', all);
    if (failures.some(isAuth)) {
      throw new RedisStartError(`REDIS_SENTINEL_PASSWORD: the sentinels refused it or want one (${all})`);
    }
    throw new RedisStartError(`REDIS_SENTINELS: no sentinel answered (${all})`);
  }
  const { host, port } = masterAddr;
  try {
    await ask(
      {
        ...once(timeoutMs),
        host,
        port,
        ...(master.username !== undefined ? { username: master.username } : {}),
        ...(master.password !== undefined ? { password: master.password } : {}),
        ...(master.tls !== undefined ? { tls: master.tls } : {}),
      },
      (r) => r.ping(),
    );
  } catch (err) {
    const why = reason(err);
    if (isUntrusted(why)) throw untrusted(config, `the master '${sentinel.name}' at ${host}:${port}`, why);
    throw new RedisStartError(
      isAuth(why)
        ? `REDIS_URL: the master '${sentinel.name}' at ${host}:${port} refused its password (give it as redis://:password@${sentinel.name}): ${why}`
        : `REDIS_SENTINELS: the sentinels name ${host}:${port} as master '${sentinel.name}', but it does not answer: ${why}`,
    );
  }
}
