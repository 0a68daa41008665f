import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach } from 'vitest';
import { freePort } from '../../src/demo/start-redis-server.ts';
import { waitFor } from '../slack/wait-for.ts';

/**
 * Real redis-server and redis-sentinel processes on loopback ports of their own, for failover and restart
 * tests. Every process and directory is removed by `stop()`. Ports: Redis cannot take port 0, so freePort
 * binds a server to 0 and frees the port it got.
 */

export { freePort };

/** One redis-server (or `redis-server --sentinel`) process. */
export interface RedisProcess {
  port: number;
  /** A short-lived admin connection (password given). */
  admin(): Redis;
  /** `run` on a fresh admin connection, closed after (Sentinel kills clients' connections on a failover). */
  ask<T>(run: (r: Redis) => Promise<T>): Promise<T>;
  /** SIGKILL, as a crashed host: nothing flushed, no goodbye to clients. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same files (after kill). */
  restart(): Promise<void>;
  /** Sends it a signal: SIGSTOP freezes it with its connections open (a host that stopped answering), SIGCONT resumes. */
  signal(name: 'SIGSTOP' | 'SIGCONT'): void;
}

const exited = (p: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) resolve();
    else p.once('exit', () => resolve());
  });

/** TLS for every process of a RedisProcesses: PEM files, and the CA's PEM its admin connections trust. */
export interface RedisTls {
  certFile: string;
  keyFile: string;
  caFile: string;
  ca: string;
}

/** Redis's TLS settings: TLS only (the plain port off), replication and sentinel links over TLS too. */
const tlsDirectives = (tls: RedisTls, port: number): [string, string][] => [
  ['port', '0'],
  ['tls-port', String(port)],
  ['tls-cert-file', tls.certFile],
  ['tls-key-file', tls.keyFile],
  ['tls-ca-cert-file', tls.caFile],
  ['tls-auth-clients', 'no'],
  ['tls-replication', 'yes'],
];

/** Processes and directories to remove; one per test file. With `tls`, every process listens on TLS only. */
export class RedisProcesses {
  private readonly procs = new Set<ChildProcess>();
  private readonly dirs: string[] = [];

  private readonly tls: RedisTls | undefined;

  constructor(tls?: RedisTls) {
    this.tls = tls;
  }

  /** A redis-server with `args` (e.g. ['--appendonly', 'yes']), answering PING before this resolves. */
  async server(args: string[], password?: string): Promise<RedisProcess> {
    return this.start(args, password, false);
  }

  /** A sentinel watching `masterPort` as `name` with quorum `quorum`, fast timeouts for tests. */
  async sentinel(options: {
    name: string;
    masterPort: number;
    quorum: number;
    password?: string;
    requirepass?: string;
    downAfterMs?: number;
  }): Promise<RedisProcess> {
    const dir = await this.dir();
    const port = await freePort();
    const lines = [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${options.name} 127.0.0.1 ${options.masterPort} ${options.quorum}`,
      `sentinel down-after-milliseconds ${options.name} ${options.downAfterMs ?? 500}`,
      `sentinel failover-timeout ${options.name} 3000`,
      `sentinel parallel-syncs ${options.name} 1`,
      ...(options.password !== undefined ? [`sentinel auth-pass ${options.name} ${options.password}`] : []),
      ...(options.requirepass !== undefined ? [`requirepass ${options.requirepass}`] : []),
      ...(this.tls !== undefined ? tlsDirectives(this.tls, port).map(([k, v]) => `${k} ${v}`) : []),
    ];
    const file = join(dir, 'sentinel.conf');
    await writeFile(file, `${lines.join('\n')}\n`);
    return this.start([file, '--sentinel'], options.requirepass, true, port, dir);
  }

  private async dir(): Promise<string> {
    const d = await mkdtemp(join(tmpdir(), 'clonebot-redis-'));
    this.dirs.push(d);
    return d;
  }

  private async start(
    args: string[],
    password: string | undefined,
    sentinel: boolean,
    fixedPort?: number,
    fixedDir?: string,
  ): Promise<RedisProcess> {
    const port = fixedPort ?? (await freePort());
    const dir = fixedDir ?? (await this.dir());
    const argv = sentinel
      ? args
      : [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--save',
          '',
          ...(password !== undefined ? ['--requirepass', password, '--masterauth', password] : []),
          ...(this.tls !== undefined ? tlsDirectives(this.tls, port).flatMap(([k, v]) => [`--${k}`, v]) : []),
          ...args,
        ];
    let proc: ChildProcess;
    const launch = async () => {
      proc = spawn('redis-server', argv, { stdio: 'ignore' });
      this.procs.add(proc);
      proc.once('exit', () => this.procs.delete(proc));
      await waitFor(
        async () => {
          const r = admin();
          try {
            return (await r.ping()) === 'PONG';
          } catch {
            return false;
          } finally {
            r.disconnect();
          }
        },
        `redis on ${port}`,
        10_000,
      );
    };
    const admin = () => {
      const r = new Redis({
        host: '127.0.0.1',
        port,
        lazyConnect: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        ...(password !== undefined ? { password } : {}),
        ...(this.tls !== undefined ? { tls: { ca: this.tls.ca } } : {}),
      });
      r.on('error', () => undefined);
      return r;
    };
    await launch();
    return {
      port,
      admin,
      async ask(run) {
        const r = admin();
        try {
          return await run(r);
        } finally {
          r.disconnect();
        }
      },
      async kill() {
        proc.kill('SIGKILL');
        await exited(proc);
      },
      restart: launch,
      signal(name) {
        proc.kill(name);
      },
    };
  }

  async stop(): Promise<void> {
    for (const p of this.procs) {
      p.kill('SIGKILL');
      await exited(p);
    }
    for (const d of this.dirs.splice(0)) await rm(d, { recursive: true, force: true });
  }
}

/** INFO replication's `name:value` lines as a map. */
export async function replicationInfo(r: Redis): Promise<Record<string, string>> {
  const text = await r.info('replication');
  return Object.fromEntries(
    text
      .split(/\r?\n/)
      .filter((l) => l.includes(':'))
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]),
  );
}

/** One Sentinel-managed pair: master, replica and sentinels that already know each other. */
export async function startReplicatedRedis(
  procs: RedisProcesses,
  options: { name: string; password: string; sentinelPassword?: string; sentinels?: number },
): Promise<{ master: RedisProcess; replica: RedisProcess; sentinels: RedisProcess[] }> {
  const master = await procs.server([], options.password);
  const replica = await procs.server(['--replicaof', '127.0.0.1', String(master.port)], options.password);
  const count = options.sentinels ?? 3;
  const sentinels: RedisProcess[] = [];
  for (let i = 0; i < count; i++) {
    sentinels.push(
      await procs.sentinel({
        name: options.name,
        masterPort: master.port,
        quorum: Math.floor(count / 2) + 1,
        password: options.password,
        ...(options.sentinelPassword !== undefined ? { requirepass: options.sentinelPassword } : {}),
      }),
    );
  }
  // Ready when the replica is in sync and every sentinel sees the replica and all the other sentinels
  // (they find each other through hello messages on the master, every 2 s): only then can they elect one.
  await waitFor(
    async () => {
      const r = replica.admin();
      try {
        return (await replicationInfo(r)).master_link_status === 'up';
      } finally {
        r.disconnect();
      }
    },
    'the replica in sync',
    10_000,
  );
  for (const s of sentinels) {
    await waitFor(
      async () => {
        const r = s.admin();
        try {
          const flat = (await r.call('SENTINEL', 'master', options.name)) as string[];
          const field = (k: string) => flat[flat.indexOf(k) + 1];
          return field('num-slaves') === '1' && field('num-other-sentinels') === String(count - 1);
        } catch {
          return false;
        } finally {
          r.disconnect();
        }
      },
      `sentinel ${s.port} to know the replica and the other sentinels`,
      15_000,
    );
  }
  return { master, replica, sentinels };
}

/**
 * A RedisProcesses for a test file, emptied after each test: what each test pushed on `closers` (its
 * services, newest first), then every process it started.
 */
export function redisProcessesPerTest(): { procs: RedisProcesses; closers: (() => Promise<unknown>)[] } {
  const procs = new RedisProcesses();
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    closers.length = 0;
    await procs.stop();
  });
  return { procs, closers };
}
