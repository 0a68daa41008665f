import type { App, Receiver, ReceiverEvent, SocketModeReceiver } from '@slack/bolt';
import type { Logger } from '../logger.ts';
import type { DeliveryGuard } from './delivery-guard.ts';
import { redeliveryKey } from './redelivery-key.ts';

/**
 * Socket Mode's receiver with each act let through once, whichever process or connection it reaches.
 * Slack redelivers an envelope whose ack it did not get (lost with a dropped WebSocket, or later than 3 s);
 * the redelivery is acked with the first delivery's own ack (a slash command's text, a modal's field
 * errors) and goes no further. Guarding deliveries here, not in the listeners, keeps them unaware of it.
 * Redis unreachable: the delivery goes through (the request store then fails too, visibly).
 */
export function guardedReceiver(inner: SocketModeReceiver, guard: DeliveryGuard, logger: Logger): Receiver {
  const process = async (app: App, event: ReceiverEvent): Promise<void> => {
    const key = redeliveryKey(event.body);
    if (key === undefined) return app.processEvent(event);
    let claim: Awaited<ReturnType<DeliveryGuard['claim']>> = { first: true };
    try {
      claim = await guard.claim(key);
    } catch (err) {
      logger.warn({ err: String(err), key }, 'delivery guard unavailable; handling the delivery');
    }
    if (!claim.first) {
      logger.info(
        { key, retry: event.retryNum, reason: event.retryReason },
        'Slack redelivered an act already handled',
      );
      await event.ack(claim.ack);
      return;
    }
    const ack: ReceiverEvent['ack'] = async (response) => {
      try {
        await event.ack(response);
      } catch (err) {
        // The WebSocket went down under the ack: Slack will redeliver, and the redelivery gets this ack
        // replayed. The listener must go on with the work: throwing here would lose the act, since the
        // redelivery is (rightly) not handled a second time.
        logger.info({ err: String(err), key }, 'ack not sent (connection lost); Slack will redeliver');
      }
      await guard.recordAck(key, response).catch((err: unknown) => {
        logger.warn({ err: String(err), key }, 'could not keep the ack for redeliveries');
      });
    };
    return app.processEvent({ ...event, ack });
  };
  return {
    init(app) {
      // SocketModeReceiver calls only app.processEvent; everything else of the App stays the real one.
      inner.init({ processEvent: (event: ReceiverEvent) => process(app, event) } as unknown as App);
    },
    start: () => inner.start(),
    stop: () => inner.stop(),
  };
}
