import { request } from 'node:https';
import type { ProxmoxSim } from '../../../src/sim/proxmox/index.ts';

/** One raw answer, with the wire details the tests check. */
export interface RawAnswer {
  status: number;
  reason: string;
  contentType: string | undefined;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test convenience for reading JSON answers
  json: any;
}

/** How a test request authenticates. */
export type Auth = { token: true } | { ticket: string; csrf?: string } | { header: string } | 'none';

/** Sends one HTTPS request to the simulator, trusting only its CA; rejects when the connection drops. */
export function call(
  sim: ProxmoxSim,
  method: string,
  path: string,
  options: { auth?: Auth; form?: Record<string, string | number>; json?: unknown } = {},
): Promise<RawAnswer> {
  const auth = options.auth ?? { token: true };
  const headers: Record<string, string> = {};
  if (auth !== 'none') {
    if ('token' in auth) headers.Authorization = `PVEAPIToken=${sim.token.id}=${sim.token.secret}`;
    else if ('header' in auth) headers.Authorization = auth.header;
    else {
      headers.Cookie = `PVEAuthCookie=${encodeURIComponent(auth.ticket)}`;
      if (auth.csrf !== undefined) headers.CSRFPreventionToken = auth.csrf;
    }
  }
  let body: string | undefined;
  if (options.form) {
    body = new URLSearchParams(
      Object.entries(options.form).map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  } else if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['Content-Type'] = 'application/json';
  }
  const url = new URL(`/api2/json${path}`, sim.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ca: sim.caPem, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text === '' ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({
          status: res.statusCode ?? 0,
          reason: res.statusMessage ?? '',
          contentType: res.headers['content-type'],
          text,
          json,
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** GET with the default token; throws unless 200; returns `data`. */
export async function getData(sim: ProxmoxSim, path: string): Promise<unknown> {
  const a = await call(sim, 'GET', path);
  if (a.status !== 200) throw new Error(`GET ${path} → ${a.status} ${a.reason}`);
  return a.json.data;
}

/** Polls `check` (real time, short interval) until it returns a value other than undefined. */
export async function waitFor<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
