import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppClient } from './app-client.ts';
import type { Directory } from './directory.ts';
import type { MessageStore } from './message-store.ts';
import { readBody } from './read-body.ts';
import type { SimEvent } from './sim-events.ts';
import type { Json } from './types.ts';
import type { ViewStore } from './view-store.ts';

/** The page's files: plain HTML, CSS and ES modules from ./page/, no build step. */
const STATIC_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
};
/** `/` is the page; `/<name>.js|css` a file next to it (the pattern keeps paths inside the folder). */
function staticFile(path: string): { file: string; type: string } | undefined {
  if (path === '/') return { file: 'index.html', type: STATIC_TYPES.html as string };
  const m = /^\/([a-z][a-z0-9-]*)\.(js|css)$/.exec(path);
  return m ? { file: `${m[1]}.${m[2]}`, type: STATIC_TYPES[m[2] as string] as string } : undefined;
}
const PAGE_DIR = new URL('./page/', import.meta.url);

/** What the sandbox page needs from the sim. */
export interface SandboxDeps {
  directory: Directory;
  messages: MessageStore;
  views: ViewStore;
  app: AppClient;
  identity: { teamId: string; botUserId: string; botId: string; defaultChannel: string };
}

/** Serves the sandbox page, its live event stream and the actions it sends as a person. */
export class SandboxRoutes {
  private readonly clients = new Set<ServerResponse>();

  constructor(private readonly deps: SandboxDeps) {}

  /** Everything the page shows, for its first render. */
  snapshot(): Json {
    const { directory, messages, views, identity } = this.deps;
    return {
      ...identity,
      appConnected: this.deps.app.connected(),
      users: directory.allUsers(),
      channels: directory.allChannels(),
      messages: messages.everything(),
      ephemerals: messages.ephemerals(),
      views: views.all(),
    };
  }

  /** Pushes a change to every open page. */
  broadcast(event: SimEvent): void {
    const data = `data: ${JSON.stringify(event)}\n\n`;
    for (const client of this.clients) client.write(data);
  }

  /** Ends the event streams so the server can close. */
  closeAll(): void {
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  /** Handles the request when it is the page's; false otherwise. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    const file = staticFile(path);
    if (req.method === 'GET' && file) {
      const content = await readFile(new URL(file.file, PAGE_DIR)).catch(() => undefined);
      if (content === undefined) return false;
      res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' });
      res.end(content);
      return true;
    }
    if (req.method === 'GET' && path === '/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(`data: ${JSON.stringify({ kind: 'snapshot', state: this.snapshot() })}\n\n`);
      this.clients.add(res);
      req.on('close', () => this.clients.delete(res));
      return true;
    }
    if (req.method === 'GET' && path === '/sandbox/state') {
      json(res, 200, this.snapshot());
      return true;
    }
    if (req.method === 'POST' && path.startsWith('/sandbox/')) {
      const input = JSON.parse((await readBody(req)) || '{}') as Json;
      try {
        json(res, 200, await this.act(path.slice('/sandbox/'.length), input));
      } catch (error) {
        json(res, 200, {
          status: 0,
          sent: false,
          body: error instanceof Error ? error.message : String(error),
        });
      }
      return true;
    }
    return false;
  }

  private async act(action: string, input: Json): Promise<object> {
    const { app } = this.deps;
    if (!app.reachable()) return { status: 0, sent: false, body: 'The bot is not connected to the sandbox.' };
    const userId = String(input.userId);
    const values = (input.values ?? {}) as Record<string, Record<string, string | string[] | null>>;
    switch (action) {
      case 'command':
        return app.slashCommand({
          userId,
          channelId: String(input.channelId),
          text: String(input.text ?? ''),
          ...(typeof input.command === 'string' ? { command: input.command } : {}),
        });
      case 'action':
        return app.blockAction({
          userId,
          ...pick(input, ['channelId', 'messageTs', 'viewId', 'actionId', 'blockId']),
          ...(input.value !== undefined ? { value: input.value as string | string[] | null } : {}),
          ...(input.values !== undefined ? { values } : {}),
        });
      case 'submit':
        return app.submitView({ userId, viewId: String(input.viewId), values });
      case 'close':
        return app.closeView({ userId, viewId: String(input.viewId) });
      case 'home':
        return app.openAppHome({ userId });
      default:
        return { status: 0, sent: false, body: `unknown sandbox action ${action}` };
    }
  }
}

function pick(input: Json, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) if (typeof input[key] === 'string') out[key] = input[key] as string;
  return out;
}

function json(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
