import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { createRedis } from '../../src/redis/create-redis.ts';
import { waitFor } from '../slack/wait-for.ts';
import { type HoldProxy, startHoldProxy } from './hold-proxy.ts';
import { RedisProcesses, replicationInfo, startReplicatedRedis } from './redis-processes.ts';

const procs = new RedisProcesses();
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.reverse()) await c();
  closers.length = 0;
  await procs.stop();
});

const NAME = 'connector-master';
const PASSWORD = 'm4ster-pw';

/** Clients of the sentinel subscribed to a channel (CLIENT LIST's sub= field). */
const subscribers = async (sentinel: { ask<T>(run: (r: Redis) => Promise<T>): Promise<T> }) =>
  (await sentinel.ask((r) => r.client('LIST') as Promise<string>))
    .split('\n')
    .filter((l) => / sub=[1-9]/.test(l)).length;

// The race, replayed in order rather than left to timing: the master dies; the connection, reconnecting,
// is asking the sentinel for the master (the proxy holds that ask) when `+switch-master` is published.
// ioredis's own connector then ends the connection for good ("Connection is closed." to every command):
// its failover detector, left over from the dead connection, marked the connector closed mid-ask.
it('a failover announced while a reconnecting connection is asking the sentinels: the connection reaches the new master', async () => {
  const { master, replica, sentinels } = await startReplicatedRedis(procs, {
    name: NAME,
    password: PASSWORD,
    sentinels: 1,
  });
  const sentinel = sentinels[0];
  if (sentinel === undefined) throw new Error('no sentinel');
  const proxy: HoldProxy = await startHoldProxy(sentinel.port);
  closers.push(() => proxy.close());
  const redis = createRedis(
    {
      url: `redis://:${PASSWORD}@127.0.0.1:1`,
      caFile: undefined,
      sentinel: { sentinels: [{ host: '127.0.0.1', port: proxy.port }], name: NAME, password: undefined },
    },
    'service',
    { maxRetriesPerRequest: null },
  );
  redis.on('error', () => undefined);
  closers.push(() => redis.disconnect());
  await redis.set('before', '1');
  expect(await redis.wait(1, 5000)).toBe(1);
  // Connected, and its failover detector subscribed to +switch-master through the proxy.
  await waitFor(async () => (await subscribers(sentinel)) === 1, 'the failover detector subscribed');

  // Our own subscription, straight to the sentinel, to know when the failover is announced.
  const watcher = new Redis({ host: '127.0.0.1', port: sentinel.port });
  closers.push(() => watcher.disconnect());
  let switched = false;
  watcher.on('message', () => {
    switched = true;
  });
  await watcher.subscribe('+switch-master');

  proxy.hold();
  await master.kill();
  // The connection lost its master and asks the sentinel again: that ask is held.
  await waitFor(() => proxy.held() >= 1, 'a reconnect asking the sentinel', 10_000);
  await waitFor(() => switched, 'the sentinel announcing the failover', 20_000);
  // No failover detector of the dead connection left (ioredis's closes when it gets the message; ours
  // was closed when the reconnect began): the race has happened, or cannot.
  await waitFor(() => proxy.open() === 0, 'no subscription left through the proxy');
  expect((await replica.ask(replicationInfo)).role).toBe('master');

  proxy.release();
  await waitFor(() => redis.status === 'ready' || redis.status === 'end', 'the connection to settle', 10_000);
  expect(redis.status).toBe('ready');
  await redis.set('after', '2');
  expect(await replica.ask((r) => r.mget('before', 'after'))).toEqual(['1', '2']);
}, 40_000);
