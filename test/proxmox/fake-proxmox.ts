/**
 * A tiny HTTPS server per test that answers the way a real pveproxy does on the wire: reason-phrase errors,
 * `{"data":…}` bodies with `application/json;charset=UTF-8`, body-less auth 401s, dropped connections.
 * Each test scripts the answers it needs; the server records every request it saw.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { generate } from 'selfsigned';
import type { Clock } from '../../src/clock.ts';
import type { ProxmoxAuth, ProxmoxConfig } from '../../src/config.ts';
import { createLogger, type Logger } from '../../src/logger.ts';

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  form: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
}

export type Reply =
  | { status: number; reason?: string; json?: unknown; contentType?: string; raw?: string }
  | { drop: true }
  | { hang: true };

export type Handler = (req: SeenRequest) => Reply | Promise<Reply>;

/** 200 `{"data": data}` (+ extra top-level fields such as `total`). */
export const ok = (data: unknown, extra: Record<string, unknown> = {}): Reply => ({
  status: 200,
  json: { data, ...extra },
});

/** A Proxmox error: first line in the reason phrase, full message (and `errors`) in the body. */
export const fail = (status: number, message: string, errors?: Record<string, string>): Reply => ({
  status,
  reason: message.split('\n')[0] as string,
  json: { data: null, message: `${message}\n`, ...(errors ? { errors } : {}) },
});

/** An auth-layer 401: reason phrase only, no body. */
export const unauthorized = (reason: string): Reply => ({ status: 401, reason, raw: '' });

export interface Pki {
  caCert: string;
  caFile: string;
  key: string;
  cert: string;
}

/** A CA and a server certificate for 127.0.0.1 signed by it; the CA also written to a PEM file. */
export async function makePki(): Promise<Pki> {
  const ca = await generate([{ name: 'commonName', value: 'Proxmox Virtual Environment test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'pve1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  const caFile = join(mkdtempSync(join(tmpdir(), 'pve-ca-')), 'pve-root-ca.pem');
  writeFileSync(caFile, ca.cert);
  return { caCert: ca.cert, caFile, key: server.private, cert: server.cert };
}

export interface FakeProxmox {
  url: string;
  port: number;
  requests: SeenRequest[];
  handle: Handler;
  /** TLS connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

/** Starts the server on a free port; replace `handle` to script answers. */
export async function startFakeProxmox(pki: Pki, handle: Handler = () => fail(501, 'not implemented')) {
  const fake = { requests: [] as SeenRequest[], handle, connections: 0 } as FakeProxmox;
  const server: Server = createServer({ key: pki.key, cert: pki.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'https://x');
      const seen: SeenRequest = {
        method: req.method ?? '',
        path: url.pathname.replace(/^\/api2\/json/, ''),
        query: url.searchParams,
        form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
        headers: req.headers,
      };
      fake.requests.push(seen);
      const reply = await fake.handle(seen);
      if ('drop' in reply) {
        req.socket.destroy();
        return;
      }
      if ('hang' in reply) return;
      const body = reply.raw ?? JSON.stringify(reply.json ?? { data: null });
      const headers: Record<string, string> = {};
      if (reply.raw === undefined)
        headers['Content-Type'] = reply.contentType ?? 'application/json;charset=UTF-8';
      res.writeHead(reply.status, reply.reason ?? '', headers);
      res.end(body);
    });
  });
  server.on('secureConnection', () => {
    fake.connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.port = (server.address() as AddressInfo).port;
  fake.url = `https://127.0.0.1:${fake.port}`;
  fake.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return fake;
}

export const TOKEN: ProxmoxAuth = {
  kind: 'token',
  tokenId: 'clonebot@pve!slack',
  secret: '0b9f1c2e-7d3a-4c55-9e21-5a6b7c8d9e0f',
};
export const PASSWORD: ProxmoxAuth = {
  kind: 'password',
  username: 'clonebot@pve',
  password: 'hunter2-S3cret!',
};

/** A config for the fake server, trusting its CA. */
export function configFor(
  fake: FakeProxmox,
  pki: Pki,
  auth: ProxmoxAuth = TOKEN,
  timeoutMs = 2000,
): ProxmoxConfig {
  return {
    url: fake.url,
    host: '127.0.0.1',
    port: fake.port,
    auth,
    caFile: pki.caFile,
    insecureTls: false,
    timeoutMs,
  };
}

/** A clock whose sleeps return at once and move its time on: retries and renewals without real waiting. */
export function fakeClock(
  start = Date.UTC(2025, 0, 1),
): Clock & { sleeps: number[]; advance(ms: number): void } {
  let t = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

/** A debug logger whose output the test can read (to prove secrets never reach it). */
export function captureLogger(): { logger: Logger; text(): string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger('debug', stream), text: () => lines.join('') };
}
