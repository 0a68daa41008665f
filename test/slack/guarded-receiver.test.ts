import { App, type ReceiverEvent, type SocketModeReceiver } from '@slack/bolt';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { boltLogger } from '../../src/slack/bolt-logger.ts';
import { createDeliveryGuard } from '../../src/slack/delivery-guard.ts';
import { guardedReceiver } from '../../src/slack/guarded-receiver.ts';
import { connect, deleteKeys, freshPrefix } from '../requests/redis-fixture.ts';

// The real Bolt App over the guarded receiver; the inner receiver is a stand-in that hands events in,
// as SocketModeReceiver does from its WebSocket, so each delivery's ack can be made to fail at will.
let redis: Redis;
let prefix: string;
beforeEach(() => {
  redis = connect();
  prefix = freshPrefix();
});
afterEach(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

function world() {
  let processEvent: ((event: ReceiverEvent) => Promise<void>) | undefined;
  const inner = {
    init(app: App) {
      processEvent = (event) => app.processEvent(event);
    },
    start: async () => undefined,
    stop: async () => undefined,
  };
  const logger = createLogger('silent');
  const guard = createDeliveryGuard({ redis, prefix });
  const receiver = guardedReceiver(inner as unknown as SocketModeReceiver, guard, logger);
  const app = new App({
    token: 'xoxb-test',
    botId: 'B1',
    botUserId: 'U1',
    receiver,
    logger: boltLogger(logger),
  });
  const handled: string[] = [];
  app.command('/clone', async ({ ack, command }) => {
    await ack({ response_type: 'ephemeral', text: `Checking ${command.text}` });
    handled.push(command.text);
  });
  const deliver = (body: Record<string, unknown>, ack: ReceiverEvent['ack']) =>
    (processEvent as (event: ReceiverEvent) => Promise<void>)({ body, ack });
  return { handled, deliver };
}

const slash = (text: string, trigger: string) => ({
  command: '/clone',
  text,
  trigger_id: trigger,
  user_id: 'U0REQUESTER',
  channel_id: 'C0CLONES',
  team_id: 'T1',
  api_app_id: 'A1',
  response_url: 'http://127.0.0.1:9/response',
});

describe('guardedReceiver', () => {
  it('an ack that cannot be sent (the socket just dropped) does not stop the work; the redelivery gets that ack', async () => {
    const { handled, deliver } = world();
    await deliver(slash('112 as a on pve1', 't.1'), async () => {
      throw Object.assign(new Error('Failed to send a WebSocket message as the client is not ready'), {
        name: 'SMSendWhileNotReadyError',
      });
    });
    expect(handled).toEqual(['112 as a on pve1']);
    const acks: unknown[] = [];
    await deliver(slash('112 as a on pve1', 't.1'), async (r) => {
      acks.push(r);
    });
    expect(handled).toHaveLength(1);
    expect(acks).toEqual([{ response_type: 'ephemeral', text: 'Checking 112 as a on pve1' }]);
  });

  it('a different act (another trigger_id) with the same text is handled: only redeliveries are dropped', async () => {
    const { handled, deliver } = world();
    const ok = async () => undefined;
    await deliver(slash('112 as b on pve1', 't.2'), ok);
    await deliver(slash('112 as b on pve1', 't.3'), ok);
    expect(handled).toEqual(['112 as b on pve1', '112 as b on pve1']);
  });
});
