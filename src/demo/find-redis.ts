import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { systemClock } from '../clock.ts';

/** A Redis to use, and how to let go of it. */
export interface FoundRedis {
  url: string;
  source: 'REDIS_URL' | 'local' | 'redis-server';
  stop(): Promise<void>;
}

/** Thrown when no Redis can be found or started; its message says how to get one. */
export class NoRedisError extends Error {
  constructor() {
    super(
      [
        'The demo needs Redis, and none was found:',
        '  - REDIS_URL is not set,',
        '  - nothing answers on redis://127.0.0.1:6379,',
        '  - and redis-server is not on PATH.',
        'Get one with `apt install redis-server`, `brew install redis`, or `docker compose up -d redis`,',
        'or point REDIS_URL at one, then run `npm run demo` again.',
      ].join('\n'),
    );
    this.name = 'NoRedisError';
  }
}

async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, {
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Where findRedis looks; tests override the defaults. */
export interface FindRedisOptions {
  /** REDIS_URL, used as is when set. */
  url?: string | undefined;
  /** The local Redis to try next. */
  localUrl?: string;
  /** The server to start last, from PATH. */
  command?: string;
}

/** REDIS_URL when set; else a Redis answering on 127.0.0.1:6379; else `redis-server` from PATH in a temp dir. */
export async function findRedis(options: FindRedisOptions = {}): Promise<FoundRedis> {
  const none = async () => undefined;
  const given = options.url?.trim();
  if (given !== undefined && given !== '') return { url: given, source: 'REDIS_URL', stop: none };
  const local = options.localUrl ?? 'redis://127.0.0.1:6379';
  if (await answers(local)) return { url: local, source: 'local', stop: none };
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
  const child: ChildProcess = spawn(options.command ?? 'redis-server', args, { stdio: 'ignore' });
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(false));
    child.once('spawn', () => resolve(true));
  });
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  };
  const url = `redis://127.0.0.1:${port}`;
  // Polling is fine here: a process we just started needs a moment before it accepts connections.
  for (let i = 0; spawned && i < 50; i += 1) {
    if (await answers(url)) return { url, source: 'redis-server', stop };
    await systemClock.sleep(100);
  }
  await stop();
  throw new NoRedisError();
}
