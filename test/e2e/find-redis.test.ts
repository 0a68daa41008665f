import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { findRedis, NoRedisError } from '../../src/demo/find-redis.ts';

// Nothing listens on port 1, so these reach the later steps of the search.
const NOBODY = 'redis://127.0.0.1:1';

describe('the demo finds a Redis', () => {
  it('uses REDIS_URL as given', async () => {
    const found = await findRedis({ url: 'redis://redis.example:6380/2' });
    expect(found).toMatchObject({ url: 'redis://redis.example:6380/2', source: 'REDIS_URL' });
  });

  it('uses a local Redis that answers', async () => {
    const found = await findRedis({ localUrl: 'redis://127.0.0.1:6379' });
    expect(found).toMatchObject({ url: 'redis://127.0.0.1:6379', source: 'local' });
  });

  it('starts redis-server from PATH on a free port when none answers, and stops it', async () => {
    const found = await findRedis({ localUrl: NOBODY });
    expect(found.source).toBe('redis-server');
    const redis = new Redis(found.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    expect(await redis.ping()).toBe('PONG');
    // Listen before stopping: the connection may end before stop() has removed the temp dir.
    const closed = new Promise((resolve) => redis.once('end', resolve));
    await found.stop();
    await closed;
  });

  it('says how to get one when there is none', async () => {
    const search = findRedis({ localUrl: NOBODY, command: 'redis-server-that-does-not-exist' });
    await expect(search).rejects.toBeInstanceOf(NoRedisError);
    await expect(search).rejects.toThrow(
      /apt install redis-server.*brew install redis.*docker run -d -p 127\.0\.0\.1:6379:6379 redis:7-bookworm/s,
    );
  });
});
