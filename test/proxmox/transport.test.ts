import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createProxmoxClient,
  ProxmoxApiError,
  ProxmoxAuthError,
  type ProxmoxHttpClient,
  type ProxmoxRequestEvent,
  ProxmoxTimeoutError,
  type RetryPolicy,
} from '../../src/proxmox/index.ts';
import {
  captureLogger,
  configFor,
  type FakeProxmox,
  fail,
  fakeClock,
  makePki,
  ok,
  type Pki,
  startFakeProxmox,
  TOKEN,
  unauthorized,
} from './fake-proxmox.ts';

let pki: Pki;
let fake: FakeProxmox;
let client: ProxmoxHttpClient;
let clock: ReturnType<typeof fakeClock>;
let events: ProxmoxRequestEvent[];
let log: ReturnType<typeof captureLogger>;

beforeAll(async () => {
  pki = await makePki();
  fake = await startFakeProxmox(pki);
});
afterAll(async () => {
  await fake.close();
});

function makeClient(timeoutMs = 2000, retry?: RetryPolicy) {
  clock = fakeClock();
  events = [];
  log = captureLogger();
  fake.requests.length = 0;
  client = createProxmoxClient(configFor(fake, pki, TOKEN, timeoutMs), {
    logger: log.logger,
    clock,
    onRequest: (e) => events.push(e),
    ...(retry === undefined ? {} : { retry }),
  });
}
afterEach(async () => {
  await client?.close();
});

const CONFIG = { name: 'tmpl', template: 1, scsi0: 'local-lvm:base-9000-disk-0,size=32G', cores: 2 };

describe('transport', () => {
  it('sends the API token header on the configured port and reads a config', async () => {
    makeClient();
    fake.handle = (r) => (r.path === '/nodes/pve1/qemu/9000/config' ? ok(CONFIG) : fail(501, 'no'));
    expect(await client.getVmConfig('pve1', 9000)).toEqual(CONFIG);
    const seen = fake.requests[0];
    expect(seen?.headers.authorization).toBe(
      `PVEAPIToken=${TOKEN.kind === 'token' ? `${TOKEN.tokenId}=${TOKEN.secret}` : ''}`,
    );
    expect(seen?.headers.csrfpreventiontoken).toBeUndefined();
    expect(seen?.headers.cookie).toBeUndefined();
    expect(events).toEqual([
      { method: 'GET', path: '/nodes/*/qemu/*/config', status: 200, ok: true, ms: expect.any(Number) },
    ]);
  });

  it('never sends a path whose id segment came in as "..", "?" or "/": refused before any request', async () => {
    makeClient();
    fake.handle = () => ok(CONFIG);
    for (const node of [
      '..',
      '.',
      '%2e%2e',
      '../cluster',
      'pve1?x=1',
      'pve1#x',
      'pve1/qemu',
      'pve1%2Fqemu',
    ]) {
      await expect(client.getVmConfig(node, 9000)).rejects.toThrow(/not a plain path segment/);
      await expect(client.listStorages(node)).rejects.toThrow(/not a plain path segment/);
    }
    expect(fake.requests).toEqual([]);
  });

  it.each(['application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8'])(
    'accepts the JSON content type %s',
    async (contentType) => {
      makeClient();
      fake.handle = () => ({ status: 200, json: { data: '123' }, contentType });
      expect(await client.nextVmid()).toBe(123);
    },
  );

  it('turns a reason-phrase error with an errors map into a ProxmoxApiError', async () => {
    makeClient();
    fake.handle = () =>
      fail(400, 'Parameter verification failed.', {
        name: 'invalid format - value does not look like a valid DNS name\n',
      });
    const error = await client
      .startClone({ node: 'pve1', templateVmid: 9000, newid: 200, name: 'bad_name', full: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProxmoxApiError);
    const e = error as ProxmoxApiError;
    expect(e.status).toBe(400);
    expect(e.proxmoxMessage).toBe('Parameter verification failed.');
    expect(e.errors).toEqual({ name: 'invalid format - value does not look like a valid DNS name' });
    expect(e.method).toBe('POST');
    expect(e.path).toBe('/nodes/pve1/qemu/9000/clone');
    expect(e.message).toContain('valid DNS name');
    expect(fake.requests).toHaveLength(1);
  });

  it('reads the message from the reason phrase when the body has none (older pve-http-server)', async () => {
    makeClient();
    fake.handle = () => ({ status: 403, reason: 'Permission check failed (/vms/9000, VM.Audit)', raw: '' });
    const e = (await client.getVmConfig('pve1', 9000).catch((x: unknown) => x)) as ProxmoxApiError;
    expect(e.isPermissionDenied()).toBe(true);
    expect(e.proxmoxMessage).toBe('Permission check failed (/vms/9000, VM.Audit)');
    expect(fake.requests).toHaveLength(1);
  });

  it('answers findVmConfig with undefined on "does not exist", asking once', async () => {
    makeClient();
    fake.handle = () => fail(500, "Configuration file 'nodes/pve1/qemu-server/9000.conf' does not exist");
    expect(await client.findVmConfig('pve1', 9000)).toBeUndefined();
    expect(fake.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('retries a GET on 503, 595 and a dropped connection with backoff on the Clock', async () => {
    makeClient();
    const script = [
      fail(503, 'Service Unavailable'),
      fail(595, 'Connection refused'),
      { drop: true } as const,
    ];
    fake.handle = () => script.shift() ?? ok([{ node: 'pve1', status: 'online' }]);
    expect(await client.listNodes()).toEqual([{ node: 'pve1', status: 'online' }]);
    expect(fake.requests).toHaveLength(4);
    expect(clock.sleeps).toEqual([1000, 2000, 4000]);
    expect(events.map((e) => e.ok)).toEqual([false, false, false, true]);
  });

  it('retries a GET on a 500 without a message but gives up after 4 tries', async () => {
    makeClient();
    fake.handle = () => ({ status: 500, reason: 'Internal Server Error', raw: '' });
    const e = await client.listNodes().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ProxmoxApiError);
    expect(fake.requests).toHaveLength(4);
  });

  it('never sends a DELETE again after a 503', async () => {
    makeClient();
    fake.handle = () => fail(503, 'Service Unavailable');
    const upid = 'UPID:pve1:0001A2B3:00C4D5E6:66F1A2B3:qmclone:9000:clonebot@pve!slack:';
    await expect(client.stopTask(upid)).rejects.toBeInstanceOf(ProxmoxApiError);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.method).toBe('DELETE');
    expect(fake.requests[0]?.path).toBe(`/nodes/pve1/tasks/${upid}`);
  });

  it('times out a request that gets no answer, and retries the GET', async () => {
    makeClient(300, { attempts: 2, baseDelayMs: 250 });
    fake.handle = () => ({ hang: true });
    const e = await client.listClusterTasks().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ProxmoxTimeoutError);
    expect((e as Error).message).toBe('Proxmox GET /cluster/tasks: no answer within 0.3s');
    expect(fake.requests).toHaveLength(2);
    expect(clock.sleeps).toEqual([250]);
  });

  it('does not retry a refused token, and keeps the secret out of errors and logs', async () => {
    makeClient();
    fake.handle = () => unauthorized('invalid token value!');
    const e = (await client.listNodes().catch((x: unknown) => x)) as ProxmoxAuthError;
    expect(e).toBeInstanceOf(ProxmoxAuthError);
    expect(e.status).toBe(401);
    expect(e.message).toContain('invalid token value!');
    expect(fake.requests).toHaveLength(1);
    const secret = TOKEN.kind === 'token' ? TOKEN.secret : '';
    expect(`${e.message} ${e.stack} ${JSON.stringify(e)}`).not.toContain(secret);
    expect(log.text()).toContain('proxmox request');
    expect(log.text()).not.toContain(secret);
  });

  it('rejects a 200 that is not JSON (a proxy page) with a clear error', async () => {
    makeClient();
    fake.handle = () => ({ status: 200, raw: '<html>login</html>' });
    const e = (await client.listNodes().catch((x: unknown) => x)) as ProxmoxApiError;
    expect(e).toBeInstanceOf(ProxmoxApiError);
    expect(e.message).toContain('unexpected answer');
  });
});
