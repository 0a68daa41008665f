import type { SocketModeReceiver } from '@slack/bolt';
import type { Logger } from '../logger.ts';

/**
 * Where the Socket Mode connection is: `connected` only between Slack's `hello` and the connection's end;
 * `refused` when Slack refused the app token on a reconnect (revoked while running): the client gives up.
 */
export type SocketStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'refused';

/** The connection's state as /healthz reports it. */
export interface SocketState {
  status(): SocketStatus;
  /** A readiness check: resolves while connected, else fails with the status (e.g. `reconnecting`). */
  check(): Promise<void>;
}

/**
 * Follows the receiver's Socket Mode client through its lifecycle events. `close` comes as soon as a
 * connection is lost, before the client's reconnect delay: from then on no envelope can arrive.
 */
export function trackSocketState(receiver: SocketModeReceiver, logger: Logger): SocketState {
  let status: SocketStatus = 'connecting';
  let refusal = '';
  let stopping = false;
  const client = receiver.client;
  client.on('connecting', () => {
    if (status === 'connected' || status === 'reconnecting') status = 'reconnecting';
  });
  client.on('connected', () => {
    status = 'connected';
  });
  client.on('reconnecting', () => {
    status = 'reconnecting';
  });
  client.on('disconnecting', () => {
    stopping = true;
  });
  client.on('close', () => {
    status = stopping ? 'disconnected' : 'reconnecting';
  });
  client.on('disconnected', () => {
    if (status !== 'refused') status = 'disconnected';
  });
  // The client reconnects by calling `this.start` and leaves a refusal there (invalid_auth: the token was
  // revoked) as an unhandled rejection, which would kill the process with a bare stack trace. The first
  // start stays as it is (its error stops the program's start); later ones report the refusal instead.
  const start = client.start.bind(client);
  let first = true;
  client.start = async () => {
    if (first) {
      first = false;
      return start();
    }
    try {
      return await start();
    } catch (err) {
      // disconnect() (the bot stopping) ends a reconnect under way by rejecting it with nothing: no refusal.
      if (stopping) return undefined as unknown as Awaited<ReturnType<typeof start>>;
      const code = (err as { data?: { error?: unknown } } | undefined)?.data?.error;
      refusal = typeof code === 'string' ? code : 'no answer';
      status = 'refused';
      logger.error(
        { error: refusal },
        `SLACK_APP_TOKEN was refused by Slack on reconnecting (${refusal}): Socket Mode is down until the bot restarts with a valid app-level token`,
      );
      return undefined as unknown as Awaited<ReturnType<typeof start>>;
    }
  };
  return {
    status: () => status,
    check: async () => {
      if (status === 'refused') throw new Error(`refused: ${refusal} (check SLACK_APP_TOKEN)`);
      if (status !== 'connected') throw new Error(status);
    },
  };
}
