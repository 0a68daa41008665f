import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { DEFAULT_PREFIX } from '../requests/request-keys.ts';
import { redeliveryKey } from './redelivery-key.ts';

/** Long enough to outlast Slack's redeliveries (seconds over Socket Mode, minutes for Events API retries). */
const DEFAULT_TTL_SECONDS = 3600;

/**
 * Bolt middleware that lets each act through once, whichever process or connection it reaches: the first
 * delivery claims its key in Redis (SET NX), a redelivery (an ack lost with its WebSocket, a slow ack)
 * is acked at once so Slack stops sending it, and goes no further. Approvals are also idempotent by
 * state; this is what keeps a redelivered `/clone` from making a second request.
 * Redis unreachable: the delivery goes through (the request store fails then anyway, visibly).
 */
export function redeliveryGuard(options: {
  redis: Redis;
  prefix?: string;
  ttlSeconds?: number;
  logger: Logger;
}): Middleware<AnyMiddlewareArgs> {
  const prefix = `${options.prefix ?? DEFAULT_PREFIX}slack:delivered:`;
  const ttl = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  return async (args) => {
    const key = redeliveryKey(args.body);
    if (key === undefined) return args.next();
    let first = true;
    try {
      first = (await options.redis.set(`${prefix}${key}`, '1', 'EX', ttl, 'NX')) === 'OK';
    } catch (err) {
      options.logger.warn({ err: String(err), key }, 'redelivery guard unavailable; handling the delivery');
    }
    if (first) return args.next();
    options.logger.info(
      { key, retry: args.context.retryNum },
      'Slack redelivered an act already handled; acked, ignored',
    );
    if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
  };
}
