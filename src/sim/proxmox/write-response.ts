import type { ServerResponse } from 'node:http';
import type { ApiError } from './api-error.ts';

/** Exactly what pve-http-server sends; proxmox-api rejects any other JSON content type. */
export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';

/** The HTTP reason phrase Proxmox uses: the message's first line (Node refuses control characters). */
export function reasonPhrase(message: string): string {
  const line = message.split('\n')[0] ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  return line.replace(/[\u0000-\u001f\u007f]/g, ' ').trim() || 'Error';
}

/**
 * 200 `{"data":…}` (+ extra top-level fields such as `total`). pve-http-server Formatter/Standard.pm
 * prepare_response_data copies `total` only when true: a `total` of 0 is left out.
 */
export function sendData(res: ServerResponse, data: unknown, extra: Record<string, unknown> = {}): void {
  const { total, ...rest } = extra;
  const body = JSON.stringify({ data: data ?? null, ...rest, ...(total ? { total } : {}) });
  res.writeHead(200, 'OK', { 'Content-Type': JSON_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** An error: status + first-line reason; body `{"data":null[,"errors"],"message":"…\n"}` unless bare. */
export function sendError(res: ServerResponse, err: ApiError, shape = { message: true }): void {
  if (err.bare) {
    res.writeHead(err.status, reasonPhrase(err.message), { 'Content-Length': 0 });
    res.end();
    return;
  }
  const payload: Record<string, unknown> = { data: null };
  if (err.errors) payload.errors = err.errors;
  // pve-http-server ≥ 5.2 (`fix #6503: return api handler errors in the json body`, Jan 2025) adds `message`.
  if (shape.message) payload.message = err.message;
  const body = JSON.stringify(payload);
  res.writeHead(err.status, reasonPhrase(err.message), {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
