import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../clock.ts';
import { createRedis } from '../redis/create-redis.ts';

/** A redis-server this process started, its URL (password included when it has one), and how to stop it. */
export interface StartedRedis {
  url: string;
  stop(): Promise<void>;
}

/** Whether a Redis answers PING at `url`, within a second. */
export async function redisAnswers(url: string): Promise<boolean> {
  // The demo finds or starts one plain Redis; Sentinel is for production.
  const probe = createRedis({ url, sentinel: undefined, caFile: undefined }, 'cli', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** A TCP port free on 127.0.0.1 just now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** What to start: the server binary (from PATH) and, when given, the password it requires. */
export interface StartRedisOptions {
  command?: string;
  password?: string;
}

/**
 * Starts `redis-server` on a free port of 127.0.0.1, in a temp dir, without persistence; undefined when it
 * cannot be started or never answers.
 */
export async function startRedisServer(options: StartRedisOptions = {}): Promise<StartedRedis | undefined> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'pve-clonebot-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
  ];
  if (options.password !== undefined) args.push('--requirepass', options.password);
  const child: ChildProcess = spawn(options.command ?? 'redis-server', args, { stdio: 'ignore' });
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(false));
    child.once('spawn', () => resolve(true));
  });
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  };
  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  const url = `redis://${auth}127.0.0.1:${port}`;
  // Polling is fine here: a process we just started needs a moment before it accepts connections.
  for (let i = 0; spawned && i < 50; i += 1) {
    if (await redisAnswers(url)) return { url, stop };
    await systemClock.sleep(100);
  }
  await stop();
  return undefined;
}
