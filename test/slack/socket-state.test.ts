import { EventEmitter } from 'node:events';
import type { SocketModeReceiver } from '@slack/bolt';
import { expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { trackSocketState } from '../../src/slack/socket-state.ts';

/**
 * The Socket Mode client's surface trackSocketState uses. The real client's reconnecting start() rejects with
 * no error at all when disconnect() (the bot stopping) ends it: seen as "Cannot read properties of undefined
 * (reading 'data')" from socket-state.ts, an unhandled rejection, in an e2e run stopped mid-reconnect.
 */
function fakeReceiver(starts: (() => Promise<unknown>)[]) {
  const client = Object.assign(new EventEmitter(), {
    start: async () => (starts.shift() as () => Promise<unknown>)(),
  });
  return { receiver: { client } as unknown as SocketModeReceiver, client };
}

it('a reconnect ended by the bot stopping (rejected with nothing) is no refusal and throws nothing', async () => {
  const { receiver, client } = fakeReceiver([async () => ({}), () => Promise.reject(undefined)]);
  const state = trackSocketState(receiver, createLogger('silent'));
  await client.start();
  client.emit('connected');
  client.emit('close');
  client.emit('disconnecting');
  await expect(client.start()).resolves.toBeUndefined();
  client.emit('disconnected');
  expect(state.status()).toBe('disconnected');
});

it('a reconnect refused by Slack (invalid_auth) still reads as refused', async () => {
  const refusal = Object.assign(new Error('refused'), { data: { error: 'invalid_auth' } });
  const { receiver, client } = fakeReceiver([async () => ({}), () => Promise.reject(refusal)]);
  const state = trackSocketState(receiver, createLogger('silent'));
  await client.start();
  client.emit('connected');
  client.emit('close');
  await expect(client.start()).resolves.toBeUndefined();
  expect(state.status()).toBe('refused');
  await expect(state.check()).rejects.toThrow('refused: invalid_auth');
});
