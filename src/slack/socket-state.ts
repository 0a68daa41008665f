import type { SocketModeReceiver } from '@slack/bolt';

/** Where the Socket Mode connection is: `connected` only between Slack's `hello` and the connection's end. */
export type SocketStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

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
export function trackSocketState(receiver: SocketModeReceiver): SocketState {
  let status: SocketStatus = 'connecting';
  let stopping = false;
  const client = receiver.client;
  client.on('connecting', () => {
    status = status === 'connected' || status === 'reconnecting' ? 'reconnecting' : 'connecting';
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
    status = 'disconnected';
  });
  return {
    status: () => status,
    check: async () => {
      if (status !== 'connected') throw new Error(status);
    },
  };
}
