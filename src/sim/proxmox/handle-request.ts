import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { ApiError } from './api-error.ts';
import type { RequestLog } from './request-log.ts';
import { HANDLED, matchPattern, type Route, type SimContext } from './route.ts';
import type { SimAuth } from './sim-auth.ts';
import { sendData, sendError } from './write-response.ts';

/** What the request pipeline needs besides the route context. */
export interface Pipeline {
  ctx: SimContext;
  auth: SimAuth;
  routes: Route[];
  requests: RequestLog;
  authDelayMs: number;
  offlineDelayMs: number;
}

const API_PREFIX = '/api2/json';
const MAX_BODY = 1024 * 1024;

async function readParams(req: IncomingMessage, url: URL): Promise<Record<string, string>> {
  const params: Record<string, string> = {};
  for (const [k, v] of url.searchParams) params[k] = v;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 'Request Entity Too Large', undefined, true);
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks).toString('utf8');
  if (body.trim() === '') return params;
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new ApiError(400, 'malformed JSON string\n');
    }
    for (const [k, v] of Object.entries((json ?? {}) as Record<string, unknown>))
      params[k] = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  } else {
    for (const [k, v] of new URLSearchParams(body)) params[k] = v;
  }
  return params;
}

/** One request: flaps → ticket login → auth (delayed 401s) → offline node (595) → route → JSON answer. */
export async function handleRequest(p: Pipeline, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { ctx } = p;
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'https://sim');
  const path = url.pathname.startsWith(`${API_PREFIX}/`)
    ? url.pathname.slice(API_PREFIX.length)
    : url.pathname;
  const entry = { method, path, query: url.search, status: 0, at: ctx.clock.now() };
  p.requests.add(entry);
  res.on('finish', () => {
    entry.status = res.statusCode;
    ctx.logger?.debug({ method, path, status: res.statusCode }, 'proxmox sim request');
  });
  try {
    if (!url.pathname.startsWith(`${API_PREFIX}/`)) throw new ApiError(404, 'Not Found', undefined, true);
    const flap = ctx.faults.takeFlap(method, path);
    if (flap === 'drop') {
      req.socket.destroy();
      return;
    }
    if (flap !== undefined) throw new ApiError(flap, STATUS_CODES[flap] ?? 'Error', undefined, true);
    const params = await readParams(req, url);
    if (path === '/access/ticket' && method === 'POST') {
      try {
        sendData(res, p.auth.login(params.username ?? '', params.password ?? ''));
      } catch (err) {
        await ctx.clock.sleep(p.authDelayMs, ctx.closing);
        throw err;
      }
      return;
    }
    let principal: ReturnType<SimAuth['authenticate']>;
    try {
      principal = p.auth.authenticate(method, req.headers);
    } catch (err) {
      // pve-http-server delays every unauthorized call (3 s) to slow down guessing.
      await ctx.clock.sleep(p.authDelayMs, ctx.closing);
      throw err;
    }
    const node = /^\/nodes\/([^/]+)/.exec(path)?.[1];
    if (node !== undefined) {
      const n = ctx.state.nodes.get(decodeURIComponent(node));
      if (!n)
        throw new ApiError(
          500,
          `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known\n`,
        );
      if (!n.online) {
        await ctx.clock.sleep(p.offlineDelayMs, ctx.closing);
        throw new ApiError(
          595,
          ctx.faults.offlineReasons.get(n.name) ?? 'Connection refused',
          undefined,
          true,
        );
      }
    }
    for (const route of p.routes) {
      if (route.method !== method) continue;
      const captures = matchPattern(route.pattern, path);
      if (!captures) continue;
      const result = await route.handle(ctx, { req, res, path: captures, params, principal });
      if (result !== HANDLED) sendData(res, result.data, result.extra);
      return;
    }
    throw new ApiError(501, `Method '${method} ${path}' not implemented\n`);
  } catch (err) {
    if (res.headersSent || res.destroyed || ctx.closing.aborted) {
      if (!res.writableEnded) res.destroy();
      return;
    }
    const body = { message: ctx.errorBodyMessage };
    if (err instanceof ApiError) sendError(res, err, body);
    else {
      ctx.logger?.error({ err, method, path }, 'simulator request failed');
      sendError(res, new ApiError(500, `${(err as Error).message ?? err}\n`), body);
    }
  }
}
