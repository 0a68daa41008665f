import type { IncomingMessage } from 'node:http';
import type { Json } from './types.ts';

/** Request bodies beyond this are refused; Slack's own limits are far lower. */
const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** Reads a request's whole body as text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Arguments that may arrive as JSON strings in a form body (the WebClient sends objects that way). */
const JSON_ARGS = new Set(['blocks', 'view', 'attachments', 'metadata', 'users', 'response_metadata']);

/**
 * Parses Web API arguments from a form-urlencoded or JSON body, decoding JSON-string arguments
 * (`blocks`, `view`, …). Returns undefined when the body cannot be parsed.
 */
export function parseApiArgs(body: string, contentType: string | undefined): Json | undefined {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  let args: Json;
  if (type === 'application/json') {
    try {
      const parsed: unknown = JSON.parse(body === '' ? '{}' : body);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
      args = parsed as Json;
    } catch {
      return undefined;
    }
  } else {
    args = Object.fromEntries(new URLSearchParams(body));
  }
  for (const key of Object.keys(args)) {
    const value = args[key];
    if (JSON_ARGS.has(key) && typeof value === 'string' && /^\s*[[{]/.test(value)) {
      try {
        args[key] = JSON.parse(value);
      } catch {
        args[key] = { invalidJson: value };
      }
    }
  }
  return args;
}
