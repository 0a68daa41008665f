import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX } from '../requests/request-keys.ts';

/** Long enough to outlast Slack's redeliveries (seconds over Socket Mode, minutes for Events API retries). */
const DEFAULT_TTL_SECONDS = 3600;

/** What a delivery found: the first of its act, or a repeat (with the first one's ack when it was sent). */
export type Claim = { first: true } | { first: false; ack: Record<string, unknown> | undefined };

/** One claim per act (see redeliveryKey), shared by every bot process through Redis. */
export interface DeliveryGuard {
  claim(key: string): Promise<Claim>;
  /** Keeps the first delivery's ack, so a redelivery can be answered the same way. */
  recordAck(key: string, body: unknown): Promise<void>;
}

const PENDING = 'pending';

/** The guard on Redis: `SET key pending NX EX ttl`, then the ack's JSON once sent (`SET … XX`). */
export function createDeliveryGuard(options: {
  redis: Redis;
  prefix?: string;
  ttlSeconds?: number;
}): DeliveryGuard {
  const prefix = `${options.prefix ?? DEFAULT_PREFIX}slack:delivered:`;
  const ttl = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  const { redis } = options;
  return {
    async claim(key) {
      if ((await redis.set(`${prefix}${key}`, PENDING, 'EX', ttl, 'NX')) === 'OK') return { first: true };
      const stored = await redis.get(`${prefix}${key}`);
      if (stored === null || stored === PENDING) return { first: false, ack: undefined };
      const parsed: unknown = JSON.parse(stored);
      return {
        first: false,
        ack: typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined,
      };
    },
    async recordAck(key, body) {
      await redis.set(`${prefix}${key}`, JSON.stringify(body ?? null), 'EX', ttl, 'XX');
    },
  };
}
