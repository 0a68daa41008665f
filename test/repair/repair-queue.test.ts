import { afterEach, describe, expect, test } from 'vitest';
import { createRepairQueue } from '../../src/repair/repair-queue.ts';
import { connect, deleteKeys, freshPrefix } from '../requests/redis-fixture.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('repair queue', () => {
  test('one job per copy: a second ask while the first waits is answered with its status and starts nothing', async () => {
    const redis = connect();
    const prefix = freshPrefix();
    const queue = createRepairQueue(redis, { prefix });
    cleanups.push(async () => {
      await queue.close();
      await deleteKeys(redis, prefix);
      await redis.quit();
    });
    const ask = { base: 5, node: 'pve2', requestedBy: 'U0APPROVER', channel: 'C0CLONES' };
    expect(await queue.enqueue(ask)).toEqual({ queued: true, jobId: 'repair-5-pve2' });
    expect(await queue.enqueue({ ...ask, requestedBy: 'U0OTHER' })).toEqual({
      queued: false,
      status: 'the repair of base 5 on pve2 is already waiting, asked by <@U0APPROVER>: waiting for a worker',
    });
    expect(await queue.status(5, 'pve2')).toMatch(/^the repair of base 5 on pve2 is already waiting/);
    expect(await queue.status(5, 'pve9')).toBeUndefined();
    // Another copy is another job.
    expect(await queue.enqueue({ ...ask, node: 'pve3' })).toEqual({ queued: true, jobId: 'repair-5-pve3' });
  });
});
