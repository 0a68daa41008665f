import type { ApiRequestable } from 'proxmox-api';
import type { Dispatcher } from 'undici';
import type { Clock } from '../clock.ts';
import type { ProxmoxConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { type AuthSession, createAuthSession } from './auth-session.ts';
import { isRetryableRead, ProxmoxApiError, ProxmoxAuthError, ProxmoxError } from './errors.ts';
import { createLogin } from './login.ts';
import { encodeParams, errorsOf, messageOf } from './read-answer.ts';
import { type FetchFn, type HttpAnswer, sendRequest } from './send-request.ts';

/** One request to Proxmox, for metrics: `path` is the template (`/nodes/*\/qemu/*\/config`), never ids. */
export interface ProxmoxRequestEvent {
  method: string;
  path: string;
  status?: number;
  ok: boolean;
  ms: number;
}

/** How GETs are retried: `attempts` tries in all, pausing baseDelayMs, then twice that, … (Clock time). */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
}

/** Everything a transport needs; built by createProxmoxClient. */
export interface TransportOptions {
  config: ProxmoxConfig;
  logger: Logger;
  clock: Clock;
  fetch: FetchFn;
  dispatcher: Dispatcher | undefined;
  retry: RetryPolicy;
  onRequest?: (event: ProxmoxRequestEvent) => void;
}

/** A Proxmox answer's `data`, plus `total` where Proxmox sends one (task logs). */
export interface ApiResult<T> {
  data: T;
  total?: number;
}

/** Our engine for proxmox-api's path API, and the raw request it is built on. */
export interface ProxmoxTransport extends ApiRequestable {
  readonly user: string;
  /** Sends `method path` (path under /api2/json); GETs retry transient failures, other methods never resend. */
  request<T>(
    method: string,
    path: string,
    params?: Record<string, unknown>,
    template?: string,
  ): Promise<ApiResult<T>>;
}

const PREFIX = '/api2/json';

/**
 * Ids from users (a node, a storage) end up as path segments. URL resolution turns a '.' or '..' segment
 * (also written %2e) into another path, and a '?', '#' or '/' inside one changes the query or the path: such
 * a request could reach a different API call, so it is refused before it is sent. Our own segments (names,
 * VMIDs, UPIDs with ':', '@', '!' and %-escapes) all pass.
 */
function checkPathSegments(method: string, path: string): void {
  for (const raw of path.split('/').slice(1)) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      seg = '..';
    }
    if (raw === '' || seg === '.' || seg === '..' || /[/?#\\\s]/.test(seg) || /[?#\\\s]/.test(raw)) {
      const shown = JSON.stringify(raw.slice(0, 60));
      throw new ProxmoxError(
        `refused ${method} ${path.slice(0, 200)}: ${shown} is not a plain path segment`,
        method,
        path,
      );
    }
  }
}

/** Creates the transport: auth, timeouts, typed errors, GET retries with backoff, request events. */
export function createTransport(o: TransportOptions): ProxmoxTransport {
  const origin = o.config.url;

  async function send(
    method: string,
    path: string,
    template: string,
    headers: Record<string, string>,
    params?: Record<string, unknown>,
  ): Promise<HttpAnswer> {
    const url = new URL(`${origin}${PREFIX}${path}`);
    const h: Record<string, string> = { Accept: 'application/json', ...headers };
    let body: string | undefined;
    if (method === 'POST' || method === 'PUT') {
      const form = new URLSearchParams();
      encodeParams(params, form);
      body = form.toString();
      h['Content-Type'] = 'application/x-www-form-urlencoded';
    } else {
      encodeParams(params, url.searchParams);
    }
    const started = performance.now();
    let status: number | undefined;
    try {
      const answer = await sendRequest({
        fetch: o.fetch,
        dispatcher: o.dispatcher,
        method,
        url,
        path,
        headers: h,
        ...(body === undefined ? {} : { body }),
        timeoutMs: o.config.timeoutMs,
      });
      status = answer.status;
      return answer;
    } finally {
      const ms = Math.round(performance.now() - started);
      const ok = status !== undefined && status >= 200 && status < 300;
      o.logger.debug({ method, path, status, ms }, 'proxmox request');
      try {
        o.onRequest?.({ method, path: template, ...(status === undefined ? {} : { status }), ok, ms });
      } catch (error) {
        // A metrics hook must never fail a Proxmox call.
        o.logger.warn({ err: (error as Error).message }, 'proxmox onRequest hook failed');
      }
    }
  }

  const login = createLogin((path, form) => send('POST', path, path, {}, form));
  const auth: AuthSession = createAuthSession(o.config.auth, login, o.clock);

  async function exchange<T>(
    method: string,
    path: string,
    template: string,
    params?: Record<string, unknown>,
  ): Promise<ApiResult<T>> {
    let creds = await auth.headers(method);
    let answer = await send(method, path, template, creds.headers, params);
    // An auth-layer 401 means Proxmox did not run the request, so sending it again is safe, POST included.
    if (answer.status === 401 && (await auth.recover(creds.generation))) {
      creds = await auth.headers(method);
      answer = await send(method, path, template, creds.headers, params);
    }
    if (answer.status === 401) {
      const hint =
        o.config.auth.kind === 'token'
          ? 'Proxmox refused the API token: check PROXMOX_TOKEN_ID and PROXMOX_TOKEN_SECRET, and that the token is not expired'
          : 'Proxmox refused a fresh ticket: check the account is enabled and not expired';
      throw new ProxmoxAuthError(method, path, messageOf(answer), hint);
    }
    if (answer.status < 200 || answer.status >= 300) {
      throw new ProxmoxApiError(method, path, answer.status, messageOf(answer), errorsOf(answer));
    }
    if (answer.body === undefined || typeof answer.body !== 'object' || answer.body === null) {
      throw new ProxmoxApiError(
        method,
        path,
        answer.status,
        `unexpected answer (content type '${answer.contentType}')`,
      );
    }
    const { data, total } = answer.body as { data: T; total?: unknown };
    return typeof total === 'number' ? { data, total } : { data };
  }

  async function request<T>(
    method: string,
    path: string,
    params?: Record<string, unknown>,
    template = path,
  ): Promise<ApiResult<T>> {
    const m = method.toUpperCase();
    checkPathSegments(m, path);
    const attempts = m === 'GET' ? Math.max(1, o.retry.attempts) : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await exchange<T>(m, path, template, params);
      } catch (error) {
        if (attempt >= attempts || !isRetryableRead(error)) throw error;
        const delay = o.retry.baseDelayMs * 2 ** (attempt - 1);
        o.logger.debug(
          { method: m, path, attempt, delay, err: (error as Error).message },
          'proxmox GET failed, retrying',
        );
        await o.clock.sleep(delay);
      }
    }
  }

  return {
    user: auth.user,
    request,
    async doRequest(httpMethod, path, pathTemplate, params) {
      const strip = (p: string) => (p.startsWith(PREFIX) ? p.slice(PREFIX.length) : p);
      const result = await request(httpMethod, strip(path), params, strip(pathTemplate));
      return result.data;
    },
  };
}
