import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxmoxClient, insecureTlsWarning, ProxmoxTlsError } from '../../src/proxmox/index.ts';
import {
  captureLogger,
  configFor,
  type FakeProxmox,
  fakeClock,
  makePki,
  ok,
  type Pki,
  startFakeProxmox,
} from './fake-proxmox.ts';

let pki: Pki;
let fake: FakeProxmox;

beforeAll(async () => {
  pki = await makePki();
  fake = await startFakeProxmox(pki, () => ok([{ node: 'pve1', status: 'online' }]));
});
afterAll(async () => {
  await fake.close();
});

async function listWith(overrides: { caFile?: string | undefined; insecureTls?: boolean }) {
  const clock = fakeClock();
  const client = createProxmoxClient(
    { ...configFor(fake, pki), ...overrides },
    { logger: captureLogger().logger, clock },
  );
  try {
    return { result: await client.listNodes().catch((e: unknown) => e), clock };
  } finally {
    await client.close();
  }
}

describe('TLS', () => {
  it('trusts a certificate signed by the CA in PROXMOX_CA_FILE', async () => {
    const { result } = await listWith({ caFile: pki.caFile });
    expect(result).toEqual([{ node: 'pve1', status: 'online' }]);
  });

  it('refuses an untrusted certificate, without retrying, and says what to set', async () => {
    fake.requests.length = 0;
    const { result, clock } = await listWith({ caFile: undefined, insecureTls: false });
    expect(result).toBeInstanceOf(ProxmoxTlsError);
    expect((result as Error).message).toContain('PROXMOX_CA_FILE');
    expect(clock.sleeps).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it('accepts any certificate only with insecureTls, and warns about it', async () => {
    const { result } = await listWith({ caFile: undefined, insecureTls: true });
    expect(result).toEqual([{ node: 'pve1', status: 'online' }]);
    expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).toBeUndefined();
    expect(insecureTlsWarning({ insecureTls: true, url: fake.url })).toContain('not checked');
    expect(insecureTlsWarning({ insecureTls: false, url: fake.url })).toBeUndefined();
  });

  it('fails clearly when the CA file is missing or not a PEM', () => {
    expect(() =>
      createProxmoxClient(
        { ...configFor(fake, pki), caFile: '/nonexistent/ca.pem' },
        { logger: captureLogger().logger },
      ),
    ).toThrow(/PROXMOX_CA_FILE '\/nonexistent\/ca.pem' cannot be read/);
    expect(() =>
      createProxmoxClient(
        { ...configFor(fake, pki), caFile: '/etc/hostname' },
        { logger: captureLogger().logger },
      ),
    ).toThrow(/not a PEM certificate/);
  });

  it('opens at most maxConnections sockets however many requests are in flight (the rest queue)', async () => {
    const client = createProxmoxClient(
      { ...configFor(fake, pki), maxConnections: 3 },
      { logger: captureLogger().logger, clock: fakeClock() },
    );
    const before = fake.connections;
    try {
      const answers = await Promise.all(Array.from({ length: 40 }, () => client.listNodes()));
      expect(answers).toHaveLength(40);
      expect(fake.connections - before).toBeGreaterThan(0);
      expect(fake.connections - before).toBeLessThanOrEqual(3);
    } finally {
      await client.close();
    }
  });
});
