import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createProxmoxClient,
  ProxmoxAuthError,
  type ProxmoxHttpClient,
  TICKET_RENEW_AFTER_MS,
} from '../../src/proxmox/index.ts';
import {
  captureLogger,
  configFor,
  type FakeProxmox,
  fail,
  fakeClock,
  makePki,
  ok,
  PASSWORD,
  type Pki,
  type SeenRequest,
  startFakeProxmox,
  unauthorized,
} from './fake-proxmox.ts';

const PASS = PASSWORD.kind === 'password' ? PASSWORD.password : '';

/** A pveproxy that issues tickets, checks cookie + CSRF, and can expire every ticket issued so far. */
function ticketServer(fake: FakeProxmox, wording = 'permission denied - invalid PVE ticket') {
  let issued = 0;
  const valid = new Set<string>();
  const state = {
    logins: [] as SeenRequest[],
    expireAll: () => valid.clear(),
    wording,
  };
  fake.handle = (r) => {
    if (r.path === '/access/ticket' && r.method === 'POST') {
      state.logins.push(r);
      const password = r.form.get('password') ?? '';
      if (r.form.get('username') !== 'clonebot@pve' || (password !== PASS && !valid.has(password))) {
        return fail(401, 'authentication failure');
      }
      issued += 1;
      const ticket = `PVE:clonebot@pve:6650000${issued}::c2lnbmF0dXJlLXNlY3JldC0${issued}==`;
      valid.add(ticket);
      return ok({
        ticket,
        CSRFPreventionToken: `6650000${issued}:csrf-secret-${issued}`,
        username: 'clonebot@pve',
      });
    }
    const cookie = String(r.headers.cookie ?? '');
    const ticket = /PVEAuthCookie=([^;]*)/.exec(cookie)?.[1];
    if (ticket === undefined) return unauthorized('No ticket');
    if (!valid.has(ticket)) return unauthorized(state.wording);
    const n = ticket.replace(/^PVE:clonebot@pve:6650000(\d+)::.*$/, '$1');
    if (r.method !== 'GET' && r.headers.csrfpreventiontoken !== `6650000${n}:csrf-secret-${n}`) {
      return unauthorized('Permission denied - invalid csrf token');
    }
    if (r.path === '/nodes') return ok([{ node: 'pve1', status: 'online' }]);
    if (r.method === 'POST' && r.path === '/nodes/pve1/qemu/9000/clone') {
      return ok('UPID:pve1:0001A2B3:00C4D5E6:66F1A2B3:qmclone:9000:clonebot@pve:');
    }
    return fail(501, `Method '${r.method} ${r.path}' not implemented`);
  };
  return state;
}

let pki: Pki;
let fake: FakeProxmox;
let client: ProxmoxHttpClient;
let clock: ReturnType<typeof fakeClock>;
let log: ReturnType<typeof captureLogger>;

beforeAll(async () => {
  pki = await makePki();
  fake = await startFakeProxmox(pki);
});
afterAll(async () => {
  await fake.close();
});
afterEach(async () => {
  await client?.close();
});

function makeClient() {
  clock = fakeClock();
  log = captureLogger();
  fake.requests.length = 0;
  client = createProxmoxClient(configFor(fake, pki, PASSWORD), { logger: log.logger, clock });
}

const CLONE = { node: 'pve1', templateVmid: 9000, newid: 200, name: 'web1', full: true };

describe('ticket auth', () => {
  it('logs in once for concurrent requests, sends the cookie, and CSRF only on non-GET', async () => {
    makeClient();
    const server = ticketServer(fake);
    await Promise.all([client.listNodes(), client.listNodes(), client.listNodes()]);
    expect(server.logins).toHaveLength(1);
    expect(server.logins[0]?.form.get('username')).toBe('clonebot@pve');
    const gets = fake.requests.filter((r) => r.path === '/nodes');
    expect(gets).toHaveLength(3);
    for (const g of gets) {
      expect(g.headers.cookie).toMatch(/^PVEAuthCookie=PVE:clonebot@pve:/);
      expect(g.headers.csrfpreventiontoken).toBeUndefined();
    }
    expect(await client.startClone(CLONE)).toMatch(/^UPID:pve1:/);
    const post = fake.requests.at(-1);
    expect(post?.headers.csrfpreventiontoken).toBe('66500001:csrf-secret-1');
    expect(post?.form.get('full')).toBe('1');
  });

  it.each(['permission denied - invalid PVE ticket', 'Authentication failed!'])(
    'logs in again once after a 401 "%s" and retries, POST included',
    async (wording) => {
      makeClient();
      const server = ticketServer(fake, wording);
      await client.listNodes();
      server.expireAll();
      await client.listNodes();
      server.expireAll();
      expect(await client.startClone(CLONE)).toMatch(/^UPID:/);
      expect(server.logins).toHaveLength(3);
      // Each failed request was sent exactly twice: once refused, once with the new ticket.
      expect(fake.requests.filter((r) => r.path.endsWith('/clone'))).toHaveLength(2);
    },
  );

  it('gives up with a ProxmoxAuthError when the fresh ticket is refused too', async () => {
    makeClient();
    ticketServer(fake);
    fake.handle = (r) =>
      r.path === '/access/ticket'
        ? ok({ ticket: 'PVE:clonebot@pve:1::sig', CSRFPreventionToken: '1:csrf' })
        : unauthorized('No ticket');
    const e = await client.listNodes().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ProxmoxAuthError);
    expect(fake.requests.map((r) => r.path)).toEqual([
      '/access/ticket',
      '/nodes',
      '/access/ticket',
      '/nodes',
    ]);
  });

  it('renews the ticket after 1 h 45 min of Clock time by posting it as the password', async () => {
    makeClient();
    const server = ticketServer(fake);
    await client.listNodes();
    const first = /PVEAuthCookie=(.*)$/.exec(String(fake.requests.at(-1)?.headers.cookie))?.[1];
    clock.advance(TICKET_RENEW_AFTER_MS - 60_000);
    await client.listNodes();
    expect(server.logins).toHaveLength(1);
    clock.advance(2 * 60_000);
    await client.listNodes();
    expect(server.logins).toHaveLength(2);
    expect(server.logins[1]?.form.get('password')).toBe(first);
    expect(fake.requests.at(-1)?.headers.cookie).toContain(':66500002::');
  });

  it('falls back to the password when renewing is refused (ticket already expired)', async () => {
    makeClient();
    const server = ticketServer(fake);
    await client.listNodes();
    server.expireAll();
    clock.advance(3 * 3600_000);
    await client.listNodes();
    expect(server.logins.map((l) => l.form.get('password') === PASS)).toEqual([true, false, true]);
  });

  it('reports bad credentials without the password, ticket or CSRF token in errors or logs', async () => {
    makeClient();
    const server = ticketServer(fake);
    await client.listNodes();
    const ticket = /PVEAuthCookie=(.*)$/.exec(String(fake.requests.at(-1)?.headers.cookie))?.[1] ?? 'none';
    server.expireAll();
    fake.handle = () => fail(401, 'authentication failure');
    const e = (await client.listNodes().catch((x: unknown) => x)) as ProxmoxAuthError;
    expect(e).toBeInstanceOf(ProxmoxAuthError);
    expect(e.message).toContain('PROXMOX_USERNAME');
    const everything = `${e.message} ${e.stack} ${JSON.stringify(e)} ${log.text()}`;
    for (const secret of [PASS, ticket, 'csrf-secret-1']) expect(everything).not.toContain(secret);
  });
});
