import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../logger.ts';
import { type ApiContext, type ApiMethod, fail } from './api-context.ts';
import type { CallLog } from './call-log.ts';
import { chatMethods } from './chat-methods.ts';
import { directoryMethods } from './directory-methods.ts';
import type { FaultInjector } from './fault-injector.ts';
import { historyMethods } from './history-methods.ts';
import { parseApiArgs, readBody } from './read-body.ts';
import type { SocketModeServer } from './socket-mode-server.ts';
import type { Json } from './types.ts';
import { viewsMethods } from './views-methods.ts';

const METHODS: Record<string, ApiMethod> = {
  ...chatMethods,
  ...viewsMethods,
  ...directoryMethods,
  ...historyMethods,
};

/** The Web API method names the fake implements. */
export const API_METHODS = Object.keys(METHODS);

/** What answering a Web API call needs. */
export interface ApiDeps {
  ctx: ApiContext;
  faults: FaultInjector;
  log: CallLog;
  /** Only this token is accepted when set; otherwise any bot token (`xoxb-…`). */
  botToken: string | undefined;
  logger: Logger | undefined;
  /** Answers `apps.connections.open` (app-level tokens, not bot tokens). */
  socket: SocketModeServer;
}

function send(
  res: ServerResponse,
  status: number,
  body: Json | string,
  headers: Record<string, string> = {},
) {
  const json = typeof body !== 'string';
  res.writeHead(status, {
    'content-type': json ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
    ...headers,
  });
  res.end(json ? JSON.stringify(body) : body);
}

function tokenOf(req: IncomingMessage, args: Json): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === 'string' && /^Bearer\s+/i.test(header))
    return header.replace(/^Bearer\s+/i, '').trim();
  return typeof args.token === 'string' ? args.token : undefined;
}

/** Answers `POST /api/<method>` as Slack's Web API would, applying any injected fault first. */
export async function handleApiCall(
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  deps: ApiDeps,
): Promise<void> {
  const { ctx, faults, log } = deps;
  const body = await readBody(req);
  const parsed = parseApiArgs(body, req.headers['content-type']);
  const args: Json = { ...(parsed ?? {}) };
  const token = tokenOf(req, args);
  delete args.token;
  const record = (status: number, result: Json) => {
    log.add({ method, args, at: ctx.clock.now(), status, result });
    deps.logger?.debug({ method, status, ok: result.ok, error: result.error }, 'slack sim api call');
  };
  const answer = (status: number, result: Json, headers: Record<string, string> = {}) => {
    record(status, result);
    send(res, status, result, headers);
  };

  // Socket Mode's one Web API method takes the app-level token, which no other method accepts.
  if (method === 'apps.connections.open') return answer(200, deps.socket.open(token));
  const handler = METHODS[method];
  if (!handler) return answer(200, fail('unknown_method'));
  if (parsed === undefined) return answer(200, fail('invalid_json'));
  if (token === undefined) return answer(200, fail('not_authed'));
  if (deps.botToken !== undefined ? token !== deps.botToken : !token.startsWith('xoxb-')) {
    return answer(200, fail('invalid_auth'));
  }

  // One queued fault per call; a latency fault delays the call, which then proceeds normally.
  const fault = faults.take(method, args);
  if (fault?.type === 'latency') {
    const delay = ctx.clock.sleep(fault.ms);
    log.changed(); // a test waiting for the delayed call to be in flight can now advance its clock
    await delay;
  }
  if (fault?.type === 'ratelimited') {
    const retryAfter = String(Math.max(0, Math.round(fault.retryAfterSeconds ?? 1)));
    return answer(429, fail('ratelimited'), { 'retry-after': retryAfter });
  }
  if (fault?.type === 'error') return answer(200, fail(fault.error, fault.extra));
  if (fault?.type === 'http') {
    record(fault.status, fail(`http_${fault.status}`));
    return send(res, fault.status, 'Internal Server Error');
  }
  const wait = faults.overLimit(method);
  if (wait !== undefined) return answer(429, fail('ratelimited'), { 'retry-after': String(wait) });

  answer(200, handler(args, ctx));
}
