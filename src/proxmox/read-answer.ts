import type { HttpAnswer } from './send-request.ts';

/** Proxmox's message: the body's `message` (pve-http-server >= 5.2), else the reason phrase (its first line). */
export function messageOf(answer: HttpAnswer): string {
  const message = (answer.body as { message?: unknown } | undefined)?.message;
  return (typeof message === 'string' && message.trim() !== '' ? message : answer.reason).trim();
}

/** The per-parameter `errors` map of a 400, values trimmed of Proxmox's trailing newline. */
export function errorsOf(answer: HttpAnswer): Record<string, string> {
  const errors = (answer.body as { errors?: unknown } | undefined)?.errors;
  if (errors === null || typeof errors !== 'object') return {};
  return Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, String(v).trim()]));
}

/** Adds API parameters to a query string or form body: undefined dropped, booleans as 1/0, arrays repeated. */
export function encodeParams(params: Record<string, unknown> | undefined, into: URLSearchParams): void {
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v === undefined || v === null) continue;
    const values: unknown[] = Array.isArray(v) ? v : [v];
    // Proxmox's schema booleans are 0/1; `true` would fail parameter verification.
    for (const e of values) into.append(k, e === true ? '1' : e === false ? '0' : String(e));
  }
}
