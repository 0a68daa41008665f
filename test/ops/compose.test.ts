import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json' with { type: 'json' };
import addFormats from 'ajv-formats';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { systemClock } from '../../src/clock.ts';
import { redactUrl } from '../../src/config/env-values.ts';
import { loadConfig } from '../../src/config.ts';
import { freePort, redisAnswers } from '../../src/demo/start-redis-server.ts';
import { SHUTDOWN_DRAIN_MS, STOP_GRACE_SECONDS } from '../../src/shutdown-drain.ts';
import { NODE_FLAGS } from './node-flags.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

/** The official Compose Specification schema; see test/fixtures/compose-spec.md for its source. */
function composeValidator(): ValidateFunction {
  const schema = JSON.parse(read('test/fixtures/compose-spec.json')) as { $schema: string };
  // The schema names draft-07 by its https id; Ajv knows draft-07 by the http one. Same meta-schema.
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false });
  addFormats.default(ajv);
  ajv.addMetaSchema({ ...draft07, $id: schema.$schema });
  return ajv.compile(schema);
}

type Service = Record<string, unknown> & {
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: Record<string, unknown> & { test?: string[] };
  depends_on?: Record<string, { condition: string }>;
};
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const text = read('docker-compose.yml');
// Compose resolves YAML merge keys (`<<: *clonebot`) before it validates; so do we.
const compose = parse(text, { merge: true }) as ComposeFile;
const validate = composeValidator();
const { redis, bot, worker } = compose.services as Record<'redis' | 'bot' | 'worker', Service>;

/**
 * Compose's interpolation of one value, for the forms this file uses: `${VAR}`, `${VAR:?message}` (an error
 * when VAR is unset or empty, as `docker compose` refuses to start) and `$$` (a literal `$`).
 */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\$|\$\{([A-Z_][A-Z0-9_]*)(?::\?([^}]*))?\}/g,
    (m, name?: string, message?: string) => {
      if (m === '$$' || name === undefined) return '$';
      const v = env[name] ?? '';
      if (v === '' && message !== undefined)
        throw new Error(`required variable ${name} is missing a value: ${message}`);
      return v;
    },
  );
}

/** Why a compose file's Redis is reachable without its password; empty when it is not. */
function redisExposure(file: ComposeFile): string[] {
  const r = file.services.redis as Service;
  const problems: string[] = [];
  if (r.ports !== undefined) problems.push('redis publishes a port on the host');
  const args = r.command ?? [];
  const pass = args[args.indexOf('--requirepass') + 1];
  if (!args.includes('--requirepass') || !/^\$\{REDIS_PASSWORD:\?.+\}$/.test(pass ?? ''))
    problems.push('redis does not require REDIS_PASSWORD');
  if (r.environment?.REDISCLI_AUTH !== pass) problems.push("redis's healthcheck does not authenticate");
  for (const [name, s] of Object.entries(file.services).filter(([n]) => n !== 'redis')) {
    const url = s.environment?.REDIS_URL ?? '';
    if (!url.startsWith(`redis://:${pass}@redis:6379`))
      problems.push(`${name}'s REDIS_URL lacks the password`);
  }
  return problems;
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(parseDocument(text, { merge: true, uniqueKeys: true }).errors).toEqual([]);
  });

  it('the schema check can fail: a misspelt key and a wrong type are refused', () => {
    const spoilt = structuredClone(compose);
    (spoilt.services.worker as Service).container_nam = 'typo';
    expect(validate(spoilt)).toBe(false);
    const wrongType = structuredClone(compose);
    (wrongType.services.redis as Service).healthcheck = { test: ['CMD', 'redis-cli', 'ping'], retries: true };
    expect(validate(wrongType)).toBe(false);
  });

  it('gives workers the stop grace the code drains for, plus time to shut down, as the docs say', () => {
    expect(worker.stop_grace_period).toBe(`${STOP_GRACE_SECONDS}s`);
    expect(SHUTDOWN_DRAIN_MS + 10_000).toBeLessThanOrEqual(STOP_GRACE_SECONDS * 1000);
    expect(read('src/main.ts')).toContain('drainTimeoutMs: SHUTDOWN_DRAIN_MS');
    const ops = read('docs/operations.md');
    expect(ops).toContain(`drains running clones for up to ${SHUTDOWN_DRAIN_MS / 1000} s`);
    expect(ops).toContain(`\`stop_grace_period\` (${STOP_GRACE_SECONDS} s)`);
  });

  it('has exactly redis, bot and worker', () => {
    expect(Object.keys(compose.services).toSorted()).toEqual(['bot', 'redis', 'worker']);
  });

  it('runs Redis 7 with AOF persistence on a named volume and a healthcheck', () => {
    expect(redis.image).toMatch(/^redis:7(\b|-)/);
    expect(redis.command?.join(' ')).toMatch(/--appendonly yes/);
    expect(redis.volumes).toContain('redis-data:/data');
    expect(compose.volumes).toHaveProperty('redis-data');
    expect(redis.healthcheck?.test).toEqual(['CMD-SHELL', 'redis-cli ping | grep -qx PONG']);
  });

  it('keeps Redis private: a password from REDIS_PASSWORD everywhere, no published port', () => {
    expect(redisExposure(compose)).toEqual([]);
    expect(redis.ports).toBeUndefined();
    // Compose refuses to start without the password rather than run an open Redis.
    expect(() => interpolate(bot.environment?.REDIS_URL ?? '', {})).toThrow(/REDIS_PASSWORD/);
    expect(interpolate(bot.environment?.REDIS_URL ?? '', { REDIS_PASSWORD: 'abc123' })).toBe(
      'redis://:abc123@redis:6379',
    );
  });

  it('no doc offers its Redis to a process on the host (the demo, `npm start`): its port is not published', () => {
    // `docker compose up -d redis` starts a Redis nothing outside the Compose network can reach.
    const offering = [
      'README.md',
      'docs/operations.md',
      'docker-compose.yml',
      'src/demo/find-redis.ts',
    ].filter((file) => /compose up (?:-d )?redis/.test(read(file)));
    expect(offering).toEqual([]);
  });

  it("operations.md's external Redis (or Sentinel) recipe leaves a file that names no missing service", () => {
    const ops = read('docs/operations.md');
    const recipe = ops.slice(ops.indexOf('An external Redis works too')).slice(0, 700);
    const dangling = (file: ComposeFile) =>
      Object.entries(file.services)
        .filter(([, s]) => Object.keys(s.depends_on ?? {}).some((d) => !(d in file.services)))
        .map(([name]) => name);
    const external = structuredClone(compose);
    delete external.services.redis;
    delete external.volumes;
    for (const s of Object.values(external.services)) delete s.environment?.REDIS_URL;
    // Compose refuses a `depends_on` on a service that is gone, so the recipe must drop it too.
    expect(dangling(external)).toEqual(['bot', 'worker']);
    expect(recipe).toContain('`depends_on`');
    for (const s of Object.values(external.services)) delete s.depends_on;
    expect(dangling(external)).toEqual([]);
    expect(validate(external)).toBe(true);
    expect(recipe).toContain('REDIS_SENTINELS');
  });

  it('the privacy check can fail: a published port, no password, or a URL without it is refused', () => {
    const published = structuredClone(compose);
    (published.services.redis as Service).ports = ['6379:6379'];
    expect(redisExposure(published)).toEqual(['redis publishes a port on the host']);
    const open = structuredClone(compose);
    (open.services.redis as Service).command = ['redis-server', '--appendonly', 'yes'];
    expect(redisExposure(open)).toContain('redis does not require REDIS_PASSWORD');
    const noAuthUrl = structuredClone(compose);
    ((noAuthUrl.services.worker as Service).environment as Record<string, string>).REDIS_URL =
      'redis://redis:6379';
    expect(redisExposure(noAuthUrl)).toEqual(["worker's REDIS_URL lacks the password"]);
  });

  it('runs the bot alone on port 3000 and workers alone, both from the one image and .env', () => {
    for (const s of [bot, worker]) {
      expect(s.build).toBe('.');
      expect(s.image).toBe(bot.image);
      expect(s.env_file).toBe('.env');
      expect(s.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
      expect(s.environment?.REDIS_URL).toMatch(/^redis:\/\/:\$\{REDIS_PASSWORD:\?[^}]+\}@redis:6379$/);
      expect(s.environment?.PORT).toBe('3000');
    }
    expect(bot.command).toEqual(['node', ...NODE_FLAGS, 'dist/main.js', 'bot']);
    expect(worker.command).toEqual(['node', ...NODE_FLAGS, 'dist/main.js', 'worker']);
    expect(bot.ports).toEqual(['3000:3000']);
  });

  it('runs the same modes as the npm scripts', () => {
    const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
    expect(scripts['start:bot']).toBe(bot.command?.join(' '));
    expect(scripts['start:worker']).toBe(worker.command?.join(' '));
  });

  it('lets `--scale worker=N` start many workers: no container_name, no host port', () => {
    expect(worker).not.toHaveProperty('container_name');
    expect(worker).not.toHaveProperty('ports');
    expect(worker).not.toHaveProperty('hostname');
    expect(bot).not.toHaveProperty('container_name');
  });

  it('the .env it reads is documented by .env.example', () => {
    expect(read('.env.example')).toMatch(/^# pve-clonebot configuration/m);
    expect(read('.gitignore').split('\n')).toContain('.env');
  });
});

// The redis service's own command and healthcheck, run by a real redis-server and redis-cli on this host.
describe("docker-compose.yml's Redis, run", () => {
  const password = 'b7e1c0ffee0ddba11';
  const env = { REDIS_PASSWORD: password };
  const dir = mkdtempSync(join(tmpdir(), 'compose-redis-'));
  let server: ChildProcess;
  let port: number;
  /** The bot's REDIS_URL as Compose gives it, pointed at this test's server instead of the `redis` host. */
  let url: string;

  beforeAll(async () => {
    port = await freePort();
    const [binary, ...args] = (redis.command ?? []).map((a) => interpolate(a, env));
    expect(binary).toBe('redis-server');
    // Where the image's defaults would differ here: this host's port and a scratch data directory.
    server = spawn('redis-server', [...args, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir], {
      stdio: 'ignore',
    });
    url = interpolate(bot.environment?.REDIS_URL ?? '', env).replace('@redis:6379', `@127.0.0.1:${port}`);
    // Polling is fine here: a process just started needs a moment before it accepts connections.
    for (let i = 0; i < 50 && !(await redisAnswers(url)); i += 1) await systemClock.sleep(100);
    // A `redis-cli` that reaches this test's port; the healthcheck's own words run unchanged.
    const realCli = spawnSync('sh', ['-c', 'command -v redis-cli'], { encoding: 'utf8' }).stdout.trim();
    expect(realCli).not.toBe('');
    writeFileSync(join(dir, 'redis-cli'), `#!/bin/sh\nexec ${realCli} -p ${port} "$@"\n`);
    chmodSync(join(dir, 'redis-cli'), 0o755);
  });
  afterAll(async () => {
    // redis-server writes its shutdown AOF/RDB files into dir after SIGTERM: removing dir before it exits
    // races those writes (ENOTEMPTY from rmdir).
    if (server !== undefined && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('the bot connects with the REDIS_URL Compose gives it, and the config never shows the password', async () => {
    const configured = loadConfig({ REDIS_URL: url }, ['redis']).redis.url;
    const client = new Redis(configured, { maxRetriesPerRequest: 1 });
    try {
      expect(await client.ping()).toBe('PONG');
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    } finally {
      client.disconnect();
    }
    expect(redactUrl(configured)).toBe(`redis://***@127.0.0.1:${port}`);
  });

  it('refuses a client without the password', async () => {
    const client = new Redis(`redis://127.0.0.1:${port}`, {
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await expect(client.ping()).rejects.toThrow(/NOAUTH/);
    } finally {
      client.disconnect();
    }
  });

  it('its healthcheck passes with REDISCLI_AUTH from the service and fails without it', () => {
    const [kind, script] = redis.healthcheck?.test ?? [];
    expect(kind).toBe('CMD-SHELL');
    const run = (auth: Record<string, string>) =>
      spawnSync('sh', ['-c', script ?? 'false'], {
        env: { PATH: `${dir}:${process.env.PATH}`, ...auth },
        timeout: 10_000,
      }).status;
    const serviceEnv = Object.fromEntries(
      Object.entries(redis.environment ?? {}).map(([k, v]) => [k, interpolate(v, env)]),
    );
    expect(run(serviceEnv)).toBe(0);
    expect(run({})).not.toBe(0);
    expect(run({ REDISCLI_AUTH: 'wrong' })).not.toBe(0);
  });
});
