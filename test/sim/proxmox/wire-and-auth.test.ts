import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ProxmoxSim, startProxmoxSim } from '../../../src/sim/proxmox/index.ts';
import { type JumpClock, jumpClock } from './jump-clock.ts';
import { call } from './sim-http.ts';

let sim: ProxmoxSim;
let clock: JumpClock;

beforeAll(async () => {
  clock = jumpClock(1000);
  sim = await startProxmoxSim({ clock });
});
afterAll(() => sim.close());

async function login(username = sim.user.username, password = sim.user.password) {
  return call(sim, 'POST', '/access/ticket', { auth: 'none', form: { username, password } });
}

describe('wire format', () => {
  test('HTTPS with a CA-signed certificate, /api2/json, {"data":…} and the exact content type', async () => {
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.caPem).toContain('BEGIN CERTIFICATE');
    const a = await call(sim, 'GET', '/version');
    expect(a.status).toBe(200);
    expect(a.reason).toBe('OK');
    expect(a.contentType).toBe('application/json;charset=UTF-8');
    // The default plays PVE 9 at its first release with the unified `Authentication failed!` (pve-manager 9.1.5).
    expect(a.json).toEqual({ data: { version: '9.1.5', release: '9.1', repoid: expect.any(String) } });
  });

  test('an unknown method answers 501 with the message in the reason phrase and the body', async () => {
    const a = await call(sim, 'GET', '/nodes/pve1/nothing');
    expect(a.status).toBe(501);
    expect(a.reason).toBe("Method 'GET /nodes/pve1/nothing' not implemented");
    expect(a.contentType).toBe('application/json;charset=UTF-8');
    expect(a.json).toEqual({ data: null, message: "Method 'GET /nodes/pve1/nothing' not implemented\n" });
  });

  test('a 500 carries the first line of the message as reason phrase', async () => {
    const a = await call(sim, 'GET', '/nodes/pve2/qemu/112/config');
    expect(a.status).toBe(500);
    expect(a.reason).toBe("Configuration file 'nodes/pve2/qemu-server/112.conf' does not exist");
    expect(a.json).toEqual({
      data: null,
      message: "Configuration file 'nodes/pve2/qemu-server/112.conf' does not exist\n",
    });
  });

  test('JSON bodies are accepted as well as form-urlencoded ones', async () => {
    const a = await call(sim, 'POST', '/nodes/pve1/qemu/112/clone', { json: { newid: 'x', full: true } });
    expect(a.status).toBe(400);
    expect(a.json.errors).toEqual({ newid: "type check ('integer') failed - got 'x'" });
  });
});

describe('API tokens', () => {
  test('the default token is clonebot@pve!slack with a uuid secret', () => {
    expect(sim.token.id).toBe('clonebot@pve!slack');
    expect(sim.token.secret).toMatch(/^[0-9a-f-]{36}$/);
  });

  // pve-manager PVE/HTTPServer.pm auth_handler since 8.4.17 / 9.1.5: every token failure says the same.
  test('a wrong secret is a bodiless 401 `Authentication failed!`, delayed 3 s of simulated time', async () => {
    const before = clock.now();
    const a = await call(sim, 'GET', '/nodes', { auth: { header: `PVEAPIToken=${sim.token.id}=wrong` } });
    expect(a.status).toBe(401);
    expect(a.reason).toBe('Authentication failed!');
    expect(a.text).toBe('');
    expect(clock.now() - before).toBeGreaterThanOrEqual(3000);
  });

  test('no credentials: 401 `No ticket`; an unknown token: `Authentication failed!` (before 8.4.17/9.1.5 named)', async () => {
    expect((await call(sim, 'GET', '/nodes', { auth: 'none' })).reason).toBe('No ticket');
    const other = { auth: { header: 'PVEAPIToken=clonebot@pve!other=x' } } as const;
    expect((await call(sim, 'GET', '/nodes', other)).reason).toBe('Authentication failed!');
    sim.faults.ticketErrorWording('old');
    try {
      const a = await call(sim, 'GET', '/nodes', other);
      expect([a.status, a.reason]).toEqual([401, "no such token 'other' for user 'clonebot@pve'"]);
      const wrong = await call(sim, 'GET', '/nodes', {
        auth: { header: `PVEAPIToken=${sim.token.id}=wrong` },
      });
      expect(wrong.reason).toBe('invalid token value!');
      expect((await call(sim, 'GET', '/version')).json.data.version).toBe('9.1.4');
    } finally {
      sim.faults.ticketErrorWording('new');
    }
  });

  test('token requests need no CSRF token, also for POST', async () => {
    const a = await call(sim, 'POST', '/nodes/pve1/qemu/999/clone', { form: { newid: 5000 } });
    expect(a.status).toBe(500);
  });
});

describe('tickets', () => {
  test('POST /access/ticket returns ticket, CSRFPreventionToken and username', async () => {
    const a = await login();
    expect(a.status).toBe(200);
    expect(a.json.data).toEqual({
      ticket: expect.stringMatching(/^PVE:clonebot@pve:[0-9A-F]{8}::/),
      CSRFPreventionToken: expect.stringMatching(/^[0-9A-F]{8}:/),
      username: 'clonebot@pve',
    });
  });

  test('bad credentials: 401 `authentication failure` (delayed)', async () => {
    const before = clock.now();
    const a = await login(sim.user.username, 'nope');
    expect([a.status, a.reason]).toEqual([401, 'authentication failure']);
    expect(clock.now() - before).toBeGreaterThanOrEqual(3000);
  });

  test('GET with the cookie works; non-GET needs the CSRF header', async () => {
    const { ticket, CSRFPreventionToken } = (await login()).json.data;
    expect((await call(sim, 'GET', '/nodes', { auth: { ticket } })).status).toBe(200);
    const noCsrf = await call(sim, 'POST', '/nodes/pve1/qemu/999/clone', {
      auth: { ticket },
      form: { newid: 5000 },
    });
    expect([noCsrf.status, noCsrf.reason, noCsrf.text]).toEqual([
      401,
      'Permission denied - invalid csrf token',
      '',
    ]);
    const withCsrf = await call(sim, 'POST', '/nodes/pve1/qemu/999/clone', {
      auth: { ticket, csrf: CSRFPreventionToken },
      form: { newid: 5000 },
    });
    expect(withCsrf.status).toBe(500);
  });

  test('a ticket lives 2 h of simulated time; renewal by posting it as the password', async () => {
    const { ticket } = (await login()).json.data;
    clock.advance(110 * 60_000);
    const renewed = await login(sim.user.username, ticket);
    expect(renewed.status).toBe(200);
    const fresh = renewed.json.data.ticket as string;
    expect(fresh).not.toBe(ticket);
    clock.advance(11 * 60_000);
    const old = await call(sim, 'GET', '/nodes', { auth: { ticket } });
    expect([old.status, old.reason, old.text]).toEqual([401, 'Authentication failed!', '']);
    expect((await call(sim, 'GET', '/nodes', { auth: { ticket: fresh } })).status).toBe(200);
    expect((await login(sim.user.username, ticket)).status).toBe(401);
  });

  test('forced expiry and the old (≤ 9.1.4) 401 wording', async () => {
    const { ticket } = (await login()).json.data;
    sim.faults.expireTickets();
    sim.faults.ticketErrorWording('old');
    try {
      const a = await call(sim, 'GET', '/nodes', { auth: { ticket } });
      expect([a.status, a.reason]).toEqual([401, 'permission denied - invalid PVE ticket']);
    } finally {
      sim.faults.ticketErrorWording('new');
    }
  });
});
