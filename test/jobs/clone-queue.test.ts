import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { bullPrefix, CLONE_QUEUE_NAME, createCloneQueue } from '../../src/jobs/clone-queue.ts';
import { connect, deleteKeys, freshPrefix } from '../requests/redis-fixture.ts';

describe('clone queue', () => {
  const prefix = freshPrefix();
  const redis = connect();
  const queue = createCloneQueue(redis, { prefix });
  const inspectConnection = connect();
  const inspect = new Queue(CLONE_QUEUE_NAME, { connection: inspectConnection, prefix: bullPrefix(prefix) });

  afterEach(async () => {
    await queue.close();
    await inspect.close();
    inspectConnection.disconnect();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('queues a request once while its job waits, and again after its job failed', async () => {
    await queue.enqueue('cr-aaaaaaaa');
    await queue.enqueue('cr-aaaaaaaa');
    expect(await queue.depth()).toBe(1);

    // A job that gave up (e.g. it found its request back at pending) must not block a later approval.
    const workerConnection = connect();
    const worker = new Worker(
      CLONE_QUEUE_NAME,
      async () => {
        throw new UnrecoverableError('request cr-aaaaaaaa is not approved');
      },
      { connection: workerConnection, prefix: bullPrefix(prefix) },
    );
    await new Promise<void>((resolve) => worker.once('failed', () => resolve()));
    await worker.close();
    workerConnection.disconnect();
    expect(await (await inspect.getJob('cr-aaaaaaaa'))?.getState()).toBe('failed');
    expect(await queue.depth()).toBe(0);

    await queue.enqueue('cr-aaaaaaaa');
    expect(await (await inspect.getJob('cr-aaaaaaaa'))?.getState()).toBe('waiting');
    expect(await queue.depth()).toBe(1);
  });
});
