import { redisAnswers, startRedisServer } from './start-redis-server.ts';

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
        'Get one with `apt install redis-server`, `brew install redis`, or',
        '`docker run -d -p 127.0.0.1:6379:6379 redis:7-bookworm` (the Compose Redis publishes no port),',
        'or point REDIS_URL at one, then run `npm run demo` again.',
      ].join('\n'),
    );
    this.name = 'NoRedisError';
  }
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
  if (await redisAnswers(local)) return { url: local, source: 'local', stop: none };
  const started = await startRedisServer(options.command === undefined ? {} : { command: options.command });
  if (started !== undefined) return { ...started, source: 'redis-server' };
  throw new NoRedisError();
}
