import { afterEach, expect, it } from 'vitest';
import { requestKeys } from '../../src/requests/request-keys.ts';
import { startE2E, textOf } from '../slack/e2e-harness.ts';
import { waitFor } from '../slack/wait-for.ts';
import { RedisProcesses, replicationInfo, startReplicatedRedis } from './redis-processes.ts';

const procs = new RedisProcesses();
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  closers.length = 0;
  await procs.stop();
});

it('the Redis master killed mid-clone: Sentinel promotes the replica, the clone finishes once, one POST, one result', async () => {
  const name = 'clonebot';
  const password = 'm4ster-pw';
  const { master, replica, sentinels } = await startReplicatedRedis(procs, {
    name,
    password,
    sentinelPassword: 's3ntinel-pw',
  });
  // REDIS_URL's host points nowhere: with Sentinel only its password is used, so the bot working at all
  // proves the connection came from the sentinels.
  const e2e = await startE2E(
    {
      REDIS_URL: `redis://:${password}@127.0.0.1:1`,
      REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
      REDIS_SENTINEL_NAME: name,
      REDIS_SENTINEL_PASSWORD: 's3ntinel-pw',
    },
    50,
  );
  closers.push(() => e2e.close());
  const { parent, id } = await e2e.request('112 as sentinel-phoenix on pve1');
  await e2e.approve(parent);
  await waitFor(
    async () => (await e2e.services.store.get(id))?.checkpoint?.step === 'started',
    'the clone task started',
    10_000,
  );
  // The checkpoint naming the Proxmox task is on the replica (the worker WAITed for it) before the kill.
  expect(await replica.ask((r) => r.exists(requestKeys(e2e.prefix).record(id)))).toBe(1);
  expect((await e2e.services.store.get(id))?.resultDelivered).toBeFalsy();

  await master.kill();
  await waitFor(
    // Sentinel closes every client connection while it reconfigures the replica: a failed look is a 'not yet'.
    async () => (await replica.ask(replicationInfo).catch(() => undefined))?.role === 'master',
    'the replica promoted',
    30_000,
  );
  const replies = await e2e.thread(parent, (r) => r.length >= 2, 30_000);
  await waitFor(async () => (await e2e.services.store.get(id))?.resultDelivered, 'the delivery flag');
  expect(e2e.clonePosts()).toBe(1);
  expect(replies).toHaveLength(2);
  expect(textOf(replies[0])).toContain('Clone finished');
  expect(textOf(replies[1])).toContain('sentinel-phoenix');
  expect(textOf(replies[1])).toContain('is ready');
  const record = await e2e.services.store.get(id);
  expect(record?.status).toBe('done');
  // The final state lives on the promoted replica, the master Sentinel now names.
  expect(await replica.ask((r) => r.exists(requestKeys(e2e.prefix).record(id)))).toBe(1);
  expect(e2e.slack.thread('C0CLONES', parent.ts)).toHaveLength(2);
  // ~10 s alone; the margin is for a loaded CI machine (sentinel elections slow down with it).
}, 75_000);
