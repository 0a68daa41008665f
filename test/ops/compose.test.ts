import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json' with { type: 'json' };
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { SHUTDOWN_DRAIN_MS, STOP_GRACE_SECONDS } from '../../src/shutdown-drain.ts';

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
    expect(redis.healthcheck).toMatchObject({ test: ['CMD', 'redis-cli', 'ping'] });
    // Redis is for the bot and workers only: not published on the host.
    expect(redis.ports).toBeUndefined();
  });

  it('runs the bot alone on port 3000 and workers alone, both from the one image and .env', () => {
    for (const s of [bot, worker]) {
      expect(s.build).toBe('.');
      expect(s.image).toBe(bot.image);
      expect(s.env_file).toBe('.env');
      expect(s.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
      expect(s.environment?.REDIS_URL).toBe('redis://redis:6379');
      expect(s.environment?.PORT).toBe('3000');
    }
    expect(bot.command).toEqual(['node', 'dist/main.js', 'bot']);
    expect(worker.command).toEqual(['node', 'dist/main.js', 'worker']);
    expect(bot.ports).toEqual(['3000:3000']);
  });

  it('runs the same modes as the npm scripts', () => {
    const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
    expect(scripts['start:bot']).toBe(`node dist/main.js ${bot.command?.[2]}`);
    expect(scripts['start:worker']).toBe(`node dist/main.js ${worker.command?.[2]}`);
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
