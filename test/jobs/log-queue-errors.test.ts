import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createCloneQueue } from '../../src/jobs/clone-queue.ts';
import { logQueueErrors } from '../../src/jobs/log-queue-errors.ts';
import { captureLogger } from '../proxmox/fake-proxmox.ts';
import { RedisProcesses } from '../redis/redis-processes.ts';
import { waitFor } from '../slack/wait-for.ts';

/**
 * BullMQ's 'error' events go through the logger, de-duplicated, and never to console.error (issue 12):
 * without a listener BullMQ prints each reconnect failure of an outage to stderr.
 */

const procs = new RedisProcesses();
afterAll(() => procs.stop());
afterEach(() => vi.restoreAllMocks());

const lines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { level: number; msg: string; err?: string; repeated?: number });

describe('BullMQ errors', () => {
  it('a queue whose Redis goes away logs through the logger at warn, and nothing reaches console.error', async () => {
    const server = await procs.server([]);
    const connection = new Redis({
      host: '127.0.0.1',
      port: server.port,
      maxRetriesPerRequest: null,
      retryStrategy: () => 20,
    });
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const log = captureLogger();
    const queue = createCloneQueue(connection, { prefix: `errs-${process.pid}`, logger: log.logger });
    try {
      expect(await queue.depth()).toBe(0);
      let errors = 0;
      connection.on('error', () => {
        errors += 1;
      });
      await server.kill();
      // A reconnect attempt every 20 ms, each an 'error' the queue hears: wait for many of them.
      await waitFor(() => errors >= 20, '20 failed reconnects', 10_000);
      expect(consoleError).not.toHaveBeenCalled();
      const warned = lines(log.text()).filter((l) => l.msg === 'clone queue error');
      // Each message once in the window: the refused reconnects are one line, and a kill that caught a read
      // under way adds its own (ECONNRESET) on a loaded machine.
      expect(warned.every((l) => l.level === 40)).toBe(true);
      expect(new Set(warned.map((l) => l.err)).size).toBe(warned.length);
      expect(warned.filter((l) => /ECONNREFUSED 127\.0\.0\.1:\d+/.test(l.err ?? ''))).toHaveLength(1);
      expect(warned.length).toBeLessThanOrEqual(2);
    } finally {
      await queue.close().catch(() => undefined);
      connection.disconnect();
    }
  });

  it('logs a repeated message once per window with the repeats it hid, and a new message at once', () => {
    const emitter = new EventEmitter();
    const log = captureLogger();
    let t = 0;
    logQueueErrors(emitter, log.logger, 'some queue', { windowMs: 60_000, now: () => t });
    for (let i = 0; i < 1000; i++) {
      emitter.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6379'));
      t += 50;
    }
    emitter.emit('error', new Error('All sentinels are unreachable'));
    t = 60_000;
    emitter.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    expect(lines(log.text()).map((l) => [l.level, l.msg, l.err, l.repeated])).toEqual([
      [40, 'some queue error', 'connect ECONNREFUSED 127.0.0.1:6379', undefined],
      [40, 'some queue error', 'All sentinels are unreachable', undefined],
      [40, 'some queue error', 'connect ECONNREFUSED 127.0.0.1:6379', 999],
    ]);
  });
});
