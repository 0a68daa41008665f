import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createRedis } from '../../src/redis/create-redis.ts';
import { probeSentinels } from '../../src/redis/probe-sentinels.ts';
import { simCerts } from '../../src/sim/proxmox/sim-certs.ts';
import { type RedisProcess, RedisProcesses, startReplicatedRedis } from './redis-processes.ts';

/**
 * Sentinel over TLS (`rediss://`, issue 12): a master, a replica and a sentinel listening on TLS only (their
 * plain ports off), with a certificate from a private CA and passwords on both the master and the sentinel.
 * The product's connection factory and its start probe reach them with REDIS_CA_FILE; without it, or with
 * another CA, the probe stops naming REDIS_CA_FILE.
 */

const name = 'tls-master';
const password = 'm4ster-tls-pw';
const sentinelPassword = 's3ntinel-tls-pw';
let dir: string;
let caFile: string;
let otherCaFile: string;
let procs: RedisProcesses;
let master: RedisProcess;
let sentinel: RedisProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clonebot-redis-tls-'));
  const certs = await simCerts();
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, certs.caPem);
  await writeFile(join(dir, 'cert.pem'), certs.certPem);
  await writeFile(join(dir, 'key.pem'), certs.keyPem, { mode: 0o600 });
  const other = await generate([{ name: 'commonName', value: 'Some other CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
  });
  otherCaFile = join(dir, 'other-ca.pem');
  await writeFile(otherCaFile, other.cert);
  procs = new RedisProcesses({
    certFile: join(dir, 'cert.pem'),
    keyFile: join(dir, 'key.pem'),
    caFile,
    ca: certs.caPem,
  });
  let sentinels: RedisProcess[];
  ({ master, sentinels } = await startReplicatedRedis(procs, {
    name,
    password,
    sentinelPassword,
    sentinels: 1,
  }));
  const first = sentinels[0];
  if (first === undefined) throw new Error('no sentinel');
  sentinel = first;
}, 30_000);
afterAll(async () => {
  await procs?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const configOf = (env: Record<string, string | undefined>) =>
  loadConfig(
    {
      REDIS_URL: `rediss://:${password}@${name}`,
      REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`,
      REDIS_SENTINEL_NAME: name,
      REDIS_SENTINEL_PASSWORD: sentinelPassword,
      REDIS_CA_FILE: caFile,
      ...env,
    },
    ['redis'],
  ).redis;

describe('Redis Sentinel over TLS', () => {
  it('the start probe passes and a service connection writes through the TLS master the sentinel names', async () => {
    const config = configOf({});
    await expect(probeSentinels(config)).resolves.toBeUndefined();
    const redis = createRedis(config, 'service', { maxRetriesPerRequest: null });
    try {
      await redis.set('tls-key', 'over-tls');
      expect(redis.stream).toBeInstanceOf(TLSSocket);
      expect((redis.stream as TLSSocket).authorized).toBe(true);
      expect(redis.stream.remotePort).toBe(master.port);
      // The write reached the master (and, replicated over TLS, the replica acknowledges it).
      expect(await redis.wait(1, 5000)).toBe(1);
      expect(await master.ask((r) => r.get('tls-key'))).toBe('over-tls');
    } finally {
      redis.disconnect();
    }
  });

  it('without REDIS_CA_FILE the probe says the certificate is not trusted and names REDIS_CA_FILE', async () => {
    await expect(probeSentinels(configOf({ REDIS_CA_FILE: undefined }), 2000)).rejects.toThrow(
      /^REDIS_CA_FILE: the TLS certificate of the sentinels is not trusted \(127\.0\.0\.1:\d+: .*certificate.*\); set REDIS_CA_FILE to the PEM of the CA that signed it$/,
    );
  });

  it('a CA that did not sign the certificate: the probe names REDIS_CA_FILE and its file', async () => {
    const error = await probeSentinels(configOf({ REDIS_CA_FILE: otherCaFile }), 2000).catch(
      (e: unknown) => e,
    );
    expect((error as Error).name).toBe('RedisStartError');
    expect((error as Error).message).toMatch(
      new RegExp(
        `^REDIS_CA_FILE: the TLS certificate of the sentinels is not signed by the CA in '${otherCaFile.replace(/[.]/g, '\\.')}' \\(127\\.0\\.0\\.1:\\d+: .*certificate`,
      ),
    );
    expect((error as Error).message).not.toContain(password);
    expect((error as Error).message).not.toContain(sentinelPassword);
  });

  it('an unreadable REDIS_CA_FILE stops the probe naming it', async () => {
    await expect(probeSentinels(configOf({ REDIS_CA_FILE: join(dir, 'missing.pem') }))).rejects.toThrow(
      /^REDIS_CA_FILE '.*missing\.pem' cannot be read: ENOENT/,
    );
    await expect(probeSentinels(configOf({ REDIS_CA_FILE: join(dir, 'key.pem') }))).rejects.toThrow(
      /^REDIS_CA_FILE '.*key\.pem' is not a PEM certificate/,
    );
  });

  it('REDIS_CA_FILE with a plain redis:// URL is a config error naming both', () => {
    expect(() => configOf({ REDIS_URL: `redis://:${password}@${name}` })).toThrow(
      /REDIS_CA_FILE is set but REDIS_URL is not rediss:\/\//,
    );
  });

  it('without Sentinel, rediss:// to the master trusts REDIS_CA_FILE too', async () => {
    const config = configOf({
      REDIS_URL: `rediss://:${password}@127.0.0.1:${master.port}`,
      REDIS_SENTINELS: undefined,
      REDIS_SENTINEL_NAME: undefined,
      REDIS_SENTINEL_PASSWORD: undefined,
    });
    const redis = createRedis(config, 'cli', { maxRetriesPerRequest: 1 });
    try {
      await redis.set('tls-plain-key', 'direct');
      expect(await master.ask((r) => r.get('tls-plain-key'))).toBe('direct');
      expect(redis.stream).toBeInstanceOf(TLSSocket);
    } finally {
      redis.disconnect();
    }
  });
});
