import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../clock.ts';
import { withBlockIds } from './chat-methods.ts';
import { checkMessage } from './check-message.ts';
import type { MessageStore } from './message-store.ts';
import { readBody } from './read-body.ts';
import type { Json, ResponseUrlPost } from './types.ts';

/** A response_url works 5 times within 30 minutes. */
export const RESPONSE_URL_USES = 5;
export const RESPONSE_URL_TTL_MS = 30 * 60_000;

/** Where a response_url was handed out: who acted, in which channel, on which message. */
export interface ResponseContext {
  user: string;
  channel: string;
  /** The message the action was on (block_actions); absent for slash commands. */
  messageTs?: string;
  ephemeral?: boolean;
  threadTs?: string;
}

interface Entry extends ResponseContext {
  createdAt: number;
  uses: number;
}

/** Hands out response_urls and answers `POST /response/<id>` the way Slack does. */
export class ResponseUrls {
  private readonly entries = new Map<string, Entry>();
  private posts: ResponseUrlPost[] = [];

  constructor(
    private readonly deps: {
      clock: Clock;
      messages: MessageStore;
      botUserId: string;
      botId: string;
      url: () => string;
      changed: () => void;
    },
  ) {}

  create(context: ResponseContext): string {
    const id = randomBytes(12).toString('hex');
    this.entries.set(id, { ...context, createdAt: this.deps.clock.now(), uses: 0 });
    return `${this.deps.url()}/response/${id}`;
  }

  /**
   * Ties a slash command's response_url to the ephemeral message its ack body showed: like Slack, a later
   * post with `replace_original` replaces that message instead of adding another.
   */
  attach(url: string, messageTs: string): void {
    const entry = this.entries.get(url.slice(url.lastIndexOf('/') + 1));
    if (entry && entry.messageTs === undefined) Object.assign(entry, { messageTs, ephemeral: true });
  }

  /** Every post received, oldest first. */
  all(): ResponseUrlPost[] {
    return [...this.posts];
  }

  reset(): void {
    this.entries.clear();
    this.posts = [];
  }

  async handle(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const raw = await readBody(req);
    let body: Json = {};
    try {
      const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      const text = isForm ? (new URLSearchParams(raw).get('payload') ?? '{}') : raw;
      body = JSON.parse(text === '' ? '{}' : text) as Json;
    } catch {
      return this.reply(res, id, body, 400, 'invalid_payload');
    }
    const entry = this.entries.get(id);
    if (!entry) return this.reply(res, id, body, 404, 'invalid_url');
    if (this.deps.clock.now() - entry.createdAt > RESPONSE_URL_TTL_MS)
      return this.reply(res, id, body, 404, 'expired_url');
    if (entry.uses >= RESPONSE_URL_USES) return this.reply(res, id, body, 404, 'used_url');
    entry.uses += 1;
    const error = this.apply(entry, body);
    this.reply(res, id, body, error === undefined ? 200 : 400, error);
  }

  /** Applies one post; the error name when Slack would refuse it. */
  private apply(entry: Entry, body: Json): string | undefined {
    const { messages } = this.deps;
    const original =
      entry.messageTs === undefined
        ? undefined
        : entry.ephemeral
          ? messages.findEphemeral(entry.user, entry.messageTs)
          : messages.get(entry.channel, entry.messageTs);
    if (body.delete_original === true || body.delete_original === 'true') {
      if (!original || entry.messageTs === undefined) return 'message_not_found';
      if (entry.ephemeral) messages.deleteEphemeral(entry.user, entry.messageTs);
      else messages.delete(entry.channel, entry.messageTs);
      return undefined;
    }
    const content = checkMessage(body, true);
    if ('failure' in content) return String(content.failure.error);
    const blocks = withBlockIds(content.blocks);
    const text = content.text ?? '';
    const replace = body.replace_original === true || body.replace_original === 'true';
    if (replace && original && 'source' in original) {
      messages.replaceEphemeral(original, { text, source: 'response_url', ...(blocks ? { blocks } : {}) });
    } else if (replace && original && !('source' in original)) {
      messages.update(original, { text, blocks: blocks ?? [] }, this.deps.botUserId);
    } else if (body.response_type === 'in_channel') {
      const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : entry.threadTs;
      messages.post({
        channel: entry.channel,
        text,
        user: this.deps.botUserId,
        botId: this.deps.botId,
        ...(blocks ? { blocks } : {}),
        ...(threadTs !== undefined ? { threadTs } : {}),
      });
    } else {
      const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : entry.threadTs;
      messages.postEphemeral({
        channel: entry.channel,
        user: entry.user,
        text,
        source: 'response_url',
        ...(blocks ? { blocks } : {}),
        ...(threadTs !== undefined ? { threadTs } : {}),
      });
    }
    return undefined;
  }

  private reply(res: ServerResponse, id: string, body: Json, status: number, error?: string): void {
    this.posts.push({ id, body, at: this.deps.clock.now(), status });
    this.deps.changed();
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(error === undefined ? { ok: true } : { ok: false, error }));
  }
}
