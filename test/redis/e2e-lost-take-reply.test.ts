import { createHash } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
// The Lua BullMQ's workers take jobs with; ioredis sends it by its SHA-1 (EVALSHA), as every BullMQ script.
import { moveToActive } from 'bullmq/dist/esm/scripts/moveToActive-11.js';
import { DELIVERY_QUEUE_NAME } from '../../src/slack/delivery-outbox.ts';
import { startE2E, textOf } from '../slack/e2e-harness.ts';
import { waitFor } from '../slack/wait-for.ts';
import { type CutReplyProxy, startCutReplyProxy } from './cut-reply-proxy.ts';

const MOVE_TO_ACTIVE_SHA = createHash('sha1').update(moveToActive.content).digest('hex');

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

// Seen in test/redis/e2e-aof-restart.test.ts under load: Redis died after moving a request-message edit to
// active and before answering; the edit stayed active under a lock no one renewed, and the final reply, which
// waits for an active edit of its request to end, waited for BullMQ's lock lapse and stalled check (30 s + 30 s).
it('a delivery a dying Redis took but never answered for is given back within seconds, and the final reply still comes once', async () => {
  const proxy: CutReplyProxy = await startCutReplyProxy(
    6379,
    (command) => command.includes(MOVE_TO_ACTIVE_SHA) && command.includes(`:${DELIVERY_QUEUE_NAME}:`),
  );
  closers.push(() => proxy.close());
  const e2e = await startE2E({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` }, 50);
  closers.push(() => e2e.close());
  const { parent, id } = await e2e.request('112 as orphan on pve1');
  proxy.arm();
  await e2e.approve(parent);

  // With BullMQ's 30 s lock and 30 s stalled check this waited 30-60 s; the outbox's 10 s + 5 s bound it.
  const replies = await e2e.thread(parent, (r) => r.length >= 2, 25_000);
  await waitFor(async () => (await e2e.services.store.get(id))?.resultDelivered, 'the delivery flag');
  // The reply lost held a job (its data names the request), not an empty take.
  expect(proxy.swallowed()).toHaveLength(1);
  expect(proxy.swallowed()[0]).toContain(id);
  expect(e2e.clonePosts()).toBe(1);
  expect(replies).toHaveLength(2);
  expect(textOf(replies[0])).toContain('Clone finished');
  expect(textOf(replies[1])).toContain('is ready');
}, 40_000);
