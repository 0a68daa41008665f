import { expect, it } from 'vitest';
import { requestKeys } from '../../src/requests/request-keys.ts';
import { startE2E, textOf } from '../slack/e2e-harness.ts';
import { waitFor } from '../slack/wait-for.ts';
import { redisProcessesPerTest } from './redis-processes.ts';

const { procs, closers } = redisProcessesPerTest();

// SIGKILL is a crashed Redis process, not a crashed host: what Redis wrote to the AOF is in the kernel's page
// cache and survives with either setting. `everysec` can lose up to a second of writes only when the machine
// itself goes down before the fsync; `always` fsyncs before it answers (README "Redis in production").
it.each(['everysec', 'always'])(
  'Redis with appendfsync %s killed and restarted mid-clone: the request and its checkpoint survive, one POST, one result',
  async (appendfsync) => {
    const redis = await procs.server(['--appendonly', 'yes', '--appendfsync', appendfsync]);
    const e2e = await startE2E({ REDIS_URL: `redis://127.0.0.1:${redis.port}` }, 50);
    closers.push(() => e2e.close());
    const { parent, id } = await e2e.request('112 as aof-phoenix on pve1');
    await e2e.approve(parent);
    await waitFor(
      async () => (await e2e.services.store.get(id))?.checkpoint?.step === 'started',
      'the clone task started',
      10_000,
    );
    await redis.kill();
    await redis.restart();
    // What the worker resumes from came back from the AOF, not from a process's memory.
    expect(await redis.ask((r) => r.exists(requestKeys(e2e.prefix).record(id)))).toBe(1);
    expect((await e2e.services.store.get(id))?.checkpoint?.step).toBeDefined();

    // A kill that fell between a delivery's take and its reply leaves that job to the outbox's lock lapse and
    // stalled check (10 s + 5 s: test/redis/e2e-lost-take-reply.test.ts); the budget covers it on loaded cores.
    const replies = await e2e.thread(parent, (r) => r.length >= 2, 30_000);
    await waitFor(async () => (await e2e.services.store.get(id))?.resultDelivered, 'the delivery flag');
    expect(e2e.clonePosts()).toBe(1);
    expect(replies).toHaveLength(2);
    expect(textOf(replies[0])).toContain('Clone finished');
    expect(textOf(replies[1])).toContain('is ready');
    expect((await e2e.services.store.get(id))?.status).toBe('done');
    expect(e2e.slack.thread('C0CLONES', parent.ts)).toHaveLength(2);
  },
  45_000,
);
