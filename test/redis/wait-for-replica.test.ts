import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForReplica } from '../../src/redis/wait-for-replica.ts';
import { captureLogger } from '../proxmox/fake-proxmox.ts';
import { waitFor } from '../slack/wait-for.ts';
import { type RedisProcess, RedisProcesses, replicationInfo } from './redis-processes.ts';

/**
 * The WAIT after each clone checkpoint (issue 12): on a master without replicas it is not sent (it could only
 * time out, a second per checkpoint after a failover with one replica); with a replica it is, and a replica
 * that does not answer is still waited for. Counted by the master's own `INFO commandstats`, not by time.
 */

const procs = new RedisProcesses();
let master: RedisProcess;
let conn: Redis;
beforeAll(async () => {
  master = await procs.server([]);
  conn = new Redis({ host: '127.0.0.1', port: master.port, maxRetriesPerRequest: null });
});
afterAll(async () => {
  conn?.disconnect();
  await procs.stop();
});

/** How many WAIT commands the master has run. */
const waits = async () => {
  const m = /^cmdstat_wait:calls=(\d+)/m.exec(await master.ask((r) => r.info('commandstats')));
  return m?.[1] === undefined ? 0 : Number(m[1]);
};
const replicasOf = async (n: string) =>
  waitFor(
    async () => (await master.ask((r) => replicationInfo(r))).connected_slaves === n,
    `${n} replica(s) on the master`,
    10_000,
  );
const checkpoints = async (replicate: () => Promise<void>, n: number) => {
  for (let i = 0; i < n; i++) {
    await conn.set(`checkpoint:${i}`, String(i));
    await replicate();
  }
};
const warnings = (text: string, what: string) =>
  text.split('\n').filter((l) => l.includes('"level":40') && l.includes(what)).length;

describe('waitForReplica', () => {
  it('without replicas sends no WAIT, warns once, and waits again once a replica connects', async () => {
    const log = captureLogger();
    // A long timeout: a WAIT sent here would hold each checkpoint a minute (and fail the test's own timeout).
    const replicate = waitForReplica(conn, log.logger, 60_000);
    const before = await waits();
    await checkpoints(replicate, 5);
    expect(await waits()).toBe(before);
    expect(warnings(log.text(), 'no Redis replica is connected')).toBe(1);

    const replica = await procs.server(['--replicaof', '127.0.0.1', String(master.port)]);
    await replicasOf('1');
    await waitFor(
      async () => (await replica.ask((r) => replicationInfo(r))).master_link_status === 'up',
      'the replica in sync',
      10_000,
    );
    await checkpoints(replicate, 3);
    expect(await waits()).toBe(before + 3);
    expect(log.text()).toContain('a Redis replica is connected again: checkpoints wait for it');
    // WAIT answered: the replica holds the checkpoint.
    expect(await replica.ask((r) => r.get('checkpoint:2'))).toBe('2');

    // Checkpoints at once share rounds: the one under way (its mark may precede their writes), then one more.
    const together = await waits();
    await conn.mset({ 'together:0': '0', 'together:1': '1', 'together:2': '2' });
    await Promise.all(Array.from({ length: 5 }, () => replicate()));
    expect(await waits()).toBe(together + 2);
    expect(await replica.ask((r) => r.mget('together:0', 'together:1', 'together:2'))).toEqual([
      '0',
      '1',
      '2',
    ]);

    // A replica connected but not answering (stopped): WAIT is still sent and waited for, and each timeout warns.
    const stuck = waitForReplica(conn, log.logger, 200);
    replica.signal('SIGSTOP');
    try {
      await checkpoints(stuck, 2);
    } finally {
      replica.signal('SIGCONT');
    }
    expect(await waits()).toBe(before + 7);
    expect(warnings(log.text(), 'no Redis replica acknowledged the checkpoint in time')).toBe(2);

    // WAIT blocks the connection it is sent on until it answers. On the store's connection (shared by every
    // clone's writes, and in one process with the bot by its Socket Mode acks and /healthz) a replica that
    // does not answer would hold every other command for the whole timeout, checkpoint after checkpoint.
    const held = waitForReplica(conn, log.logger, 2000);
    replica.signal('SIGSTOP');
    try {
      await conn.set('checkpoint:held', 'x');
      const waiting = held();
      // The WAIT is under way: the master counts a client blocked on it.
      await waitFor(
        async () => /^blocked_clients:1\b/m.test(await master.ask((r) => r.info('clients'))),
        'the WAIT blocking its client',
      );
      const sent = Date.now();
      await conn.ping();
      const pingMs = Date.now() - sent;
      await waiting;
      expect(pingMs).toBeLessThan(1000);
    } finally {
      replica.signal('SIGCONT');
      await held.close();
    }
    expect(await waits()).toBe(before + 8);
    await waitFor(
      async () => (await replica.ask((r) => r.get('checkpoint:held'))) === 'x',
      'the replica has it',
    );

    // The replica gone (as after a failover): no WAIT, not even the first (it would hold it a minute), one warning.
    await replica.kill();
    await replicasOf('0');
    await checkpoints(replicate, 4);
    expect(await waits()).toBe(before + 8);
    expect(warnings(log.text(), 'no Redis replica is connected')).toBe(2);
    await Promise.all([replicate.close(), stuck.close()]);
  }, 30_000);
});
