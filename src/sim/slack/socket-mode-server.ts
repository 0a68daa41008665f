import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../../logger.ts';
import { fail } from './api-context.ts';
import type { Json } from './types.ts';

/** The three envelope types Slack sends an app over Socket Mode. */
export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

/** Why Slack closes a connection: `warning` (about to recycle it), `refresh_requested` (please reconnect). */
export type DisconnectReason = 'warning' | 'refresh_requested' | 'link_disabled';

/** How one envelope fared: acked with a payload, or given up on after every attempt. */
export interface EnvelopeOutcome {
  envelopeId: string;
  /** Deliveries made (1 = no redelivery). */
  attempts: number;
  acked: boolean;
  /** The ack's `payload` (what the app answered, e.g. a slash command's ephemeral text). */
  payload?: Json;
  /** Why it was not acked: `operation_timeout` (delivered, never acked) or `dispatch_failed` (no connection). */
  error?: 'operation_timeout' | 'dispatch_failed';
}

/** Timing of the Socket Mode side, in real ms (the app's ack deadline is wall-clock, like Bolt's). */
export interface SocketModeTiming {
  /** Slack's ack deadline per delivery (3 s). */
  ackTimeoutMs: number;
  /** Redeliveries after the first attempt (Events API: 3). */
  maxRetries: number;
  /** How long an envelope waits for an open connection (the app between two connections) before failing. */
  connectionWaitMs: number;
  /** Server ping interval; 0 turns pings off. */
  pingIntervalMs: number;
  /** After a `warning`, how long Slack keeps the connection before closing it itself. */
  warningGraceMs: number;
}

const DEFAULT_TIMING: SocketModeTiming = {
  ackTimeoutMs: 3000,
  maxRetries: 3,
  connectionWaitMs: 10_000,
  pingIntervalMs: 10_000,
  warningGraceMs: 10_000,
};

interface Connection {
  id: string;
  ws: WebSocket;
  openedAt: number;
  ping?: NodeJS.Timeout;
}

interface Pending {
  resolve: (payload: Json) => void;
}

/** Options of the Socket Mode side. */
export interface SocketModeServerOptions {
  appId: string;
  /** When set, only this app token opens connections; otherwise any `xapp-…`. */
  appToken?: string;
  timing?: Partial<SocketModeTiming>;
  /** Called on every change (connections, envelopes), so waiters re-probe. */
  changed: () => void;
  /** Told when the first connection opens and when the last one closes (the sandbox page's "app" light). */
  onConnected?: (connected: boolean) => void;
  logger?: Logger;
}

/**
 * Slack's Socket Mode, as `@slack/socket-mode` (3.x, undici's WebSocket) meets it: `apps.connections.open`
 * with an app-level token gives a one-use `wss` URL; the connection starts with `hello`; each envelope
 * must be acked by sending back `{envelope_id, payload}` within 3 s or it is redelivered with
 * `retry_attempt` / `retry_reason`; Slack may send `disconnect` (`warning`, `refresh_requested`) or just
 * drop the socket. Envelope shapes: docs.slack.dev "Using Socket Mode" (hello, envelopes, disconnect).
 */
export class SocketModeServer {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly revoked = new Set<string>();
  private readonly conns = new Map<string, Connection>();
  private readonly pending = new Map<string, Pending>();
  private readonly waitingForConnection = new Set<() => void>();
  private readonly timing: SocketModeTiming;
  private cursor = 0;
  private baseUrl = '';
  /** Every envelope sent, in order (redeliveries included), for tests. */
  readonly sent: { envelopeId: string; type: EnvelopeType; retryAttempt: number; connection: string }[] = [];
  /** Connections opened so far. */
  opened = 0;
  /** The next this many acks are lost: their connection drops as they arrive, so Slack redelivers. */
  loseNextAcks = 0;
  /** The next this many envelopes reach the app, but their connection drops before it can ack. */
  dropAfterNextDeliveries = 0;

  constructor(private readonly options: SocketModeServerOptions) {
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
  }

  setBaseUrl(httpUrl: string): void {
    this.baseUrl = httpUrl.replace(/^http/, 'ws');
  }

  /** `apps.connections.open`: app-level tokens only (`xapp-`); a bot or user token is the wrong type. */
  open(token: string | undefined): Json {
    if (token === undefined || token === '') return fail('not_authed');
    if (/^xox[bpae]-/.test(token)) return fail('not_allowed_token_type');
    if (!token.startsWith('xapp-')) return fail('invalid_auth');
    if (this.options.appToken !== undefined && token !== this.options.appToken) return fail('invalid_auth');
    if (this.revoked.has(token)) return fail('invalid_auth');
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return { ok: true, url: `${this.baseUrl}/link/?ticket=${ticket}&app_id=${this.options.appId}` };
  }

  /** Revokes an app token: it opens no new connection, and the ones it opened are closed. */
  revoke(token: string): void {
    this.revoked.add(token);
    this.drop();
  }

  /** Handles an HTTP upgrade on `/link/`; true when it was ours. A ticket is good for one connection. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname !== '/link/' && url.pathname !== '/link') return false;
    const ticket = url.searchParams.get('ticket') ?? '';
    if (!this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    return true;
  }

  /** Open connections that got their `hello`. */
  connectionCount(): number {
    return this.conns.size;
  }

  /** Sends `disconnect` to every connection; on `warning` Slack closes them itself after a grace period. */
  disconnect(reason: DisconnectReason): void {
    for (const conn of this.conns.values()) {
      conn.ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-sim' } }));
      if (reason === 'warning') {
        setTimeout(() => conn.ws.close(1001, 'going away'), this.timing.warningGraceMs).unref();
      }
    }
  }

  /** Drops every connection without a close frame, as a network failure would. */
  drop(): void {
    for (const conn of this.conns.values()) conn.ws.terminate();
  }

  /**
   * Delivers one envelope: over an open connection (waiting a while for one), redelivered with
   * `retry_attempt` + `retry_reason` until acked or `maxRetries` is spent. Resolves with the outcome.
   */
  async deliver(type: EnvelopeType, payload: Json): Promise<EnvelopeOutcome> {
    const envelopeId = randomUUID();
    const total = this.timing.maxRetries + 1;
    let reason = '';
    for (let attempt = 0; attempt < total; attempt++) {
      const conn = await this.nextConnection();
      if (conn === undefined) {
        return { envelopeId, attempts: attempt, acked: false, error: 'dispatch_failed' };
      }
      const result = await this.attempt(conn, { envelopeId, type, payload, attempt, reason });
      if (result.acked) return { envelopeId, attempts: attempt + 1, acked: true, payload: result.payload };
      reason = result.reason;
    }
    return { envelopeId, attempts: total, acked: false, error: 'operation_timeout' };
  }

  close(): void {
    for (const conn of this.conns.values()) conn.ws.terminate();
    for (const wake of [...this.waitingForConnection]) wake();
    this.wss.close();
  }

  private accept(ws: WebSocket): void {
    const conn: Connection = { id: randomUUID(), ws, openedAt: Date.now() };
    this.opened += 1;
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(conn, String(data));
    });
    ws.on('error', (err) => this.options.logger?.debug({ err }, 'slack sim socket error'));
    ws.on('close', () => {
      clearInterval(conn.ping);
      this.conns.delete(conn.id);
      if (this.conns.size === 0) this.options.onConnected?.(false);
      this.options.changed();
    });
    // The server pings; the client's serverPingTimeout (30 s) starts counting from the first ping.
    if (this.timing.pingIntervalMs > 0) {
      conn.ping = setInterval(() => ws.ping(), this.timing.pingIntervalMs);
      conn.ping.unref();
    }
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.conns.size + 1,
        debug_info: { host: 'applink-sim', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.options.appId },
      }),
    );
    this.conns.set(conn.id, conn);
    if (this.conns.size === 1) this.options.onConnected?.(true);
    for (const wake of [...this.waitingForConnection]) wake();
    this.options.changed();
  }

  /** An ack: `{envelope_id, payload}`; anything else from the client is ignored, as Slack does. */
  private onMessage(conn: Connection, text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    const { envelope_id: id, payload } = message as Json;
    if (typeof id !== 'string') return;
    const waiting = this.pending.get(id);
    if (!waiting) return;
    if (this.loseNextAcks > 0) {
      // The app handled the envelope and acked, but the connection died with the ack in flight.
      this.loseNextAcks -= 1;
      conn.ws.terminate();
      return;
    }
    this.pending.delete(id);
    waiting.resolve(typeof payload === 'object' && payload !== null ? (payload as Json) : {});
  }

  private nextConnection(): Promise<Connection | undefined> {
    const pick = () => {
      const open = [...this.conns.values()].filter((c) => c.ws.readyState === c.ws.OPEN);
      if (open.length === 0) return undefined;
      this.cursor = (this.cursor + 1) % open.length;
      return open[this.cursor];
    };
    const now = pick();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve) => {
      const wake = () => {
        const conn = pick();
        if (conn === undefined && !timedOut) return;
        clearTimeout(timer);
        this.waitingForConnection.delete(wake);
        resolve(conn);
      };
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        wake();
      }, this.timing.connectionWaitMs);
      timer.unref();
      this.waitingForConnection.add(wake);
    });
  }

  private attempt(
    conn: Connection,
    e: { envelopeId: string; type: EnvelopeType; payload: Json; attempt: number; reason: string },
  ): Promise<{ acked: true; payload: Json } | { acked: false; reason: string }> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (r: { acked: true; payload: Json } | { acked: false; reason: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        conn.ws.off('close', onClose);
        this.pending.delete(e.envelopeId);
        resolve(r);
        this.options.changed();
      };
      // A connection lost before the ack is a failed delivery: Slack sends the envelope again.
      const onClose = () => settle({ acked: false, reason: 'connection_failed' });
      const timer = setTimeout(
        () => settle({ acked: false, reason: 'http_timeout' }),
        this.timing.ackTimeoutMs,
      );
      timer.unref();
      conn.ws.once('close', onClose);
      this.pending.set(e.envelopeId, { resolve: (payload) => settle({ acked: true, payload }) });
      const envelope = {
        envelope_id: e.envelopeId,
        type: e.type,
        payload: e.payload,
        // view_submission and slash commands can be answered in the ack; block actions and events cannot.
        accepts_response_payload:
          e.type === 'slash_commands' || (e.type === 'interactive' && e.payload.type === 'view_submission'),
        retry_attempt: e.attempt,
        retry_reason: e.reason,
      };
      this.sent.push({
        envelopeId: e.envelopeId,
        type: e.type,
        retryAttempt: e.attempt,
        connection: conn.id,
      });
      const dropAfter = this.dropAfterNextDeliveries > 0;
      if (dropAfter) this.dropAfterNextDeliveries -= 1;
      // Once written, the envelope is on its way; dropping then leaves the app holding it with no socket.
      conn.ws.send(JSON.stringify(envelope), () => {
        if (dropAfter) conn.ws.terminate();
      });
      this.options.changed();
    });
  }
}
