import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { requestKeys } from '../../src/requests/request-keys.ts';
import type { CloneRequestRecord } from '../../src/requests/types.ts';
import type { SimMessage } from '../../src/sim/slack/index.ts';
import { startE2E, textOf } from '../slack/e2e-harness.ts';
import { waitFor } from '../slack/wait-for.ts';
import {
  type RedisProcess,
  redisProcessesPerTest,
  replicationInfo,
  startReplicatedRedis,
} from './redis-processes.ts';

const { procs, closers } = redisProcessesPerTest();

const NAME = 'clonebot';
const PASSWORD = 'm4ster-pw';
const SENTINEL_PASSWORD = 's3ntinel-pw';

/** The master every sentinel names now, or undefined while they disagree or cannot answer. */
async function agreedMaster(sentinels: RedisProcess[]): Promise<number | undefined> {
  const ports = await Promise.all(
    sentinels.map((s) =>
      s
        .ask((r) => r.call('SENTINEL', 'get-master-addr-by-name', NAME) as Promise<string[]>)
        .then((a) => Number(a[1]))
        .catch(() => undefined),
    ),
  );
  return ports.every((p) => p !== undefined && p === ports[0]) ? ports[0] : undefined;
}

it('the Redis master killed mid-clone: Sentinel promotes the replica; every clone runs once, every result arrives, the queued jobs run', async () => {
  const t0 = Date.now();
  const phases: string[] = [];
  const mark = (what: string) => phases.push(`${String(Date.now() - t0).padStart(6)} ms  ${what}`);
  const lines: string[] = [];
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk).trimEnd());
        done();
      },
    }),
  );

  const { master, replica, sentinels } = await startReplicatedRedis(procs, {
    name: NAME,
    password: PASSWORD,
    sentinelPassword: SENTINEL_PASSWORD,
  });
  mark('replicated Redis ready');
  const e2e = await startE2E(
    {
      // REDIS_URL's host points nowhere: with Sentinel only its password is used, so the bot working at
      // all proves every connection came from the sentinels.
      REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:1`,
      REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
      REDIS_SENTINEL_NAME: NAME,
      REDIS_SENTINEL_PASSWORD: SENTINEL_PASSWORD,
      // The node could take all four clones at once; the worker takes two (below).
      CLONE_CONCURRENCY_PER_NODE: '4',
    },
    50,
    // Two jobs at a time: the other two wait in BullMQ's queue through the failover.
    { logger, worker: { concurrency: 2 } },
  );
  closers.push(() => e2e.close());
  mark('services started');

  const names = ['sentinel-a', 'sentinel-b', 'sentinel-c', 'sentinel-d'];
  const requests: { parent: SimMessage; id: string }[] = [];
  for (const n of names) requests.push(await e2e.request(`112 as ${n} on pve1`));
  for (const { parent } of requests) await e2e.approve(parent);
  mark('4 requests approved');

  const keys = requestKeys(e2e.prefix);
  const bull = `${e2e.prefix}bull:clone`;
  // On a timeout: what each request and its BullMQ job look like on the master the sentinels name (read
  // with a connection of our own: the services' may be the broken thing), the phases, the last log lines.
  const report = async (): Promise<string> => {
    const port = await agreedMaster(sentinels);
    const r = new Redis({
      host: '127.0.0.1',
      port: port ?? replica.port,
      password: PASSWORD,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      commandTimeout: 2000,
    });
    r.on('error', () => undefined);
    const rows: string[] = [];
    try {
      for (const { id } of requests) {
        const raw = await r.get(keys.record(id));
        const rec = raw === null ? undefined : (JSON.parse(raw) as CloneRequestRecord);
        const state = [
          (await r.lpos(`${bull}:wait`, id)) !== null ? 'wait' : '',
          (await r.lpos(`${bull}:active`, id)) !== null ? 'active' : '',
          (await r.zscore(`${bull}:delayed`, id)) !== null ? 'delayed' : '',
          (await r.zscore(`${bull}:completed`, id)) !== null ? 'completed' : '',
          (await r.zscore(`${bull}:failed`, id)) !== null ? 'failed' : '',
          (await r.sismember(`${bull}:stalled`, id)) ? 'marked stalled' : '',
        ].filter(Boolean);
        rows.push(
          `${id}: status=${rec?.status} step=${rec?.checkpoint?.step} delivered=${rec?.resultDelivered} ` +
            `job=[${state.join(',')}] lock pttl=${await r.pttl(`${bull}:${id}:lock`)}`,
        );
      }
    } catch (err) {
      rows.push(`(could not read the master: ${String(err)})`);
    } finally {
      r.disconnect();
    }
    return [`master per sentinels: ${port}`, ...phases, ...rows, ...lines.slice(-60)].join('\n');
  };

  try {
    // Mid-clone: two clones' Proxmox tasks running (their UPID checkpoints saved), two jobs still queued.
    await waitFor(
      async () => {
        let started = 0;
        for (const { id } of requests)
          if ((await e2e.services.store.get(id))?.checkpoint?.step === 'started') started++;
        return started === 2;
      },
      'two clone tasks started',
      10_000,
    );
    const queued = await master.ask((r) => r.lrange(`${bull}:wait`, 0, -1));
    expect(queued).toHaveLength(2);
    // Everything the master holds by now is on the replica: its offset has caught up with the master's.
    const offset = Number((await master.ask(replicationInfo)).master_repl_offset);
    await waitFor(
      async () => Number((await replica.ask(replicationInfo)).slave_repl_offset) >= offset,
      'the replica caught up',
      5000,
    );
    for (const id of queued) expect(await replica.ask((r) => r.lpos(`${bull}:wait`, id))).not.toBeNull();
    mark('two clones started, two queued, replica caught up: SIGKILL the master');

    await master.kill();
    await waitFor(
      async () => (await agreedMaster(sentinels)) === replica.port,
      'the sentinels to name the replica',
      10_000,
    );
    mark('every sentinel names the replica as master');
    await Promise.all(
      requests.map(async ({ parent, id }) => {
        await e2e.thread(parent, (r) => r.length >= 2, 25_000);
        mark(`${id}: both replies`);
      }),
    );
    for (const { id } of requests)
      await waitFor(async () => (await e2e.services.store.get(id))?.resultDelivered, 'the delivery flags');
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${await report()}`);
  }

  expect(e2e.clonePosts()).toBe(4);
  for (const { parent, id } of requests) {
    const replies = e2e.slack.thread('C0CLONES', parent.ts);
    expect(replies).toHaveLength(2);
    expect(textOf(replies[0])).toContain('Clone finished');
    expect(textOf(replies[1])).toContain('is ready');
    expect((await e2e.services.store.get(id))?.status).toBe('done');
    // The final state lives on the promoted replica, the master the sentinels now name.
    expect(await replica.ask((r) => r.exists(keys.record(id)))).toBe(1);
  }
}, 75_000);
