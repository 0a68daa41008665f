import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createRedis } from '../../src/redis/create-redis.ts';
import { probeSentinels } from '../../src/redis/probe-sentinels.ts';
import { freePort, type RedisProcess, RedisProcesses, startReplicatedRedis } from './redis-processes.ts';

const procs = new RedisProcesses();
let sentinels: RedisProcess[];
const name = 'probe-master';
const password = 'm4ster-pw';
const sentinelPassword = 's3ntinel-pw';
beforeAll(async () => {
  ({ sentinels } = await startReplicatedRedis(procs, { name, password, sentinelPassword, sentinels: 1 }));
}, 30_000);
afterAll(() => procs.stop());

const configOf = (env: Record<string, string>) =>
  loadConfig(
    {
      REDIS_URL: `redis://:${password}@127.0.0.1:1`,
      REDIS_SENTINELS: `127.0.0.1:${sentinels[0]?.port}`,
      REDIS_SENTINEL_NAME: name,
      REDIS_SENTINEL_PASSWORD: sentinelPassword,
      ...env,
    },
    ['redis'],
  ).redis;

describe('the Sentinel start probe', () => {
  it('passes with the right settings', async () => {
    await expect(probeSentinels(configOf({}))).resolves.toBeUndefined();
  });

  it('a master name no sentinel monitors names REDIS_SENTINEL_NAME', async () => {
    await expect(probeSentinels(configOf({ REDIS_SENTINEL_NAME: 'nope' }))).rejects.toThrow(
      /^REDIS_SENTINEL_NAME: no sentinel knows a master named 'nope'/,
    );
  });

  it('a wrong master name with one sentinel of the list down still names REDIS_SENTINEL_NAME', async () => {
    // The usual state of a three-sentinel set when one is being restarted: the ones that answer decide.
    const dead = await freePort();
    const error = await probeSentinels(
      configOf({
        REDIS_SENTINELS: `127.0.0.1:${dead},127.0.0.1:${sentinels[0]?.port}`,
        REDIS_SENTINEL_NAME: 'nope',
      }),
      1000,
    ).catch((e) => e);
    expect(String(error)).toMatch(
      /^RedisStartError: REDIS_SENTINEL_NAME: no sentinel knows a master named 'nope'/,
    );
    expect(String(error)).toContain(`127.0.0.1:${dead}: `);
  });

  it('no reachable sentinel names REDIS_SENTINELS, within the timeout', async () => {
    const dead = await freePort();
    const started = Date.now();
    await expect(probeSentinels(configOf({ REDIS_SENTINELS: `127.0.0.1:${dead}` }), 1000)).rejects.toThrow(
      new RegExp(`^REDIS_SENTINELS: no sentinel answered \\(127\\.0\\.0\\.1:${dead}: .*ECONNREFUSED`),
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a wrong sentinel password names REDIS_SENTINEL_PASSWORD and never shows it', async () => {
    const error = await probeSentinels(configOf({ REDIS_SENTINEL_PASSWORD: 'wr0ng-pw' })).catch((e) => e);
    expect(String(error)).toMatch(/REDIS_SENTINEL_PASSWORD: the sentinels refused it/);
    expect(String(error)).not.toContain('wr0ng-pw');
  });

  it('a wrong master password names REDIS_URL and never shows it', async () => {
    const error = await probeSentinels(configOf({ REDIS_URL: 'redis://:wr0ng-pw@127.0.0.1:1' })).catch(
      (e) => e,
    );
    expect(String(error)).toMatch(
      /REDIS_URL: the master 'probe-master' at 127\.0\.0\.1:\d+ refused its password/,
    );
    expect(String(error)).not.toContain('wr0ng-pw');
  });

  it('a CLI connection gives up on unreachable sentinels instead of retrying forever', async () => {
    const dead = await freePort();
    const redis = createRedis(configOf({ REDIS_SENTINELS: `127.0.0.1:${dead}` }), 'cli', {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    redis.on('error', () => undefined);
    await expect(redis.connect()).rejects.toThrow(/All sentinels are unreachable/);
    redis.disconnect();
  });

  it('a service connection reaches the master through the sentinel, with its password and database', async () => {
    const redis = createRedis(configOf({ REDIS_URL: `redis://:${password}@127.0.0.1:1/3` }), 'service', {
      maxRetriesPerRequest: null,
    });
    try {
      await redis.set('probe-test', 'x', 'EX', 10);
      const flat = (await redis.call('CLIENT', 'INFO')) as string;
      expect(flat).toMatch(/ db=3 /);
    } finally {
      redis.disconnect();
    }
  });
});
