import type { Dispatcher, fetch as undiciFetch } from 'undici';
import { ProxmoxNetworkError, ProxmoxTimeoutError, ProxmoxTlsError } from './errors.ts';

/** The fetch the adapter uses: undici's, so a dispatcher (our TLS agent) can be passed. */
export type FetchFn = typeof undiciFetch;

/** One HTTP answer from Proxmox, body parsed when it is JSON. */
export interface HttpAnswer {
  status: number;
  /** The HTTP reason phrase: Proxmox puts the first line of its error message there. */
  reason: string;
  contentType: string;
  /** The parsed JSON body; undefined when the answer is not JSON (auth 401s have no body). */
  body: unknown;
}

/** What one exchange needs; `path` is for error messages only. */
export interface SendOptions {
  fetch: FetchFn;
  dispatcher: Dispatcher | undefined;
  method: string;
  url: URL;
  path: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

// Errors raised before a single byte reached the server: the request provably did not arrive.
const NOT_DELIVERED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TLS_CODES =
  /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/;

function codeOf(error: unknown): { code: string | undefined; detail: string } {
  // fetch wraps the socket error: TypeError('fetch failed', { cause }); AggregateError for several addresses.
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e instanceof Error; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return { code, detail: `${code}: ${e.message}` };
    const inner: unknown = (e as { errors?: unknown[] }).errors?.[0] ?? e.cause;
    if (inner === undefined) return { code: undefined, detail: e.message };
    e = inner;
  }
  return { code: undefined, detail: String(error) };
}

/** Sends one request and reads the whole answer within `timeoutMs`; throws network, TLS and timeout errors. */
export async function sendRequest(o: SendOptions): Promise<HttpAnswer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), o.timeoutMs);
  try {
    const res = await o.fetch(o.url, {
      method: o.method,
      headers: o.headers,
      ...(o.body === undefined ? {} : { body: o.body }),
      signal: controller.signal,
      ...(o.dispatcher === undefined ? {} : { dispatcher: o.dispatcher }),
    });
    const contentType = res.headers.get('content-type') ?? '';
    const text = await res.text();
    let body: unknown;
    // Proxmox sends exactly `application/json;charset=UTF-8`; proxies and other versions vary the parameters.
    if (/^application\/json\s*(;|$)/i.test(contentType) && text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        throw new ProxmoxNetworkError(
          o.method,
          o.path,
          undefined,
          undefined,
          'truncated or invalid JSON answer',
        );
      }
    }
    return { status: res.status, reason: res.statusText, contentType, body };
  } catch (error) {
    if (controller.signal.aborted) throw new ProxmoxTimeoutError(o.method, o.path, o.timeoutMs);
    if (error instanceof ProxmoxNetworkError) throw error;
    const { code, detail } = codeOf(error);
    if (code !== undefined && TLS_CODES.test(code)) throw new ProxmoxTlsError(o.method, o.path, code, detail);
    const delivered = code !== undefined && NOT_DELIVERED.has(code) ? false : undefined;
    throw new ProxmoxNetworkError(o.method, o.path, code, delivered, detail, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
