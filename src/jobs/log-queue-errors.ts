import type { Logger } from '../logger.ts';

/** What BullMQ's Queue, Worker and QueueEvents have in common for this: an 'error' event. */
export interface ErrorEmitter {
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** How often one message is logged again while it repeats. Default 60 s. */
export interface QueueErrorLogOptions {
  windowMs?: number;
  /** Wall time by default: this limits log lines, nothing the program decides on. */
  now?: () => number;
}

/** Messages remembered per emitter (an outage repeats a handful; the cap only bounds a pathological stream). */
const MAX_MESSAGES = 100;

/**
 * Logs the 'error' events of a BullMQ Queue, Worker or QueueEvents through `logger` at warn. Without a
 * listener BullMQ prints each one with console.error, outside the logger (its EventEmitter throws on an
 * unheard 'error', and BullMQ catches that and prints): a Redis outage or failover then fills stderr with raw
 * `connect ECONNREFUSED` lines. While Redis is away each reconnect attempt (every few hundred ms up to 2 s, on
 * every connection) repeats the same message, so a message is logged once per `windowMs`, with how many
 * repeats it hid since its last line; a new message is logged at once.
 */
export function logQueueErrors(
  emitter: ErrorEmitter,
  logger: Logger,
  what: string,
  options: QueueErrorLogOptions = {},
): void {
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  const seen = new Map<string, { at: number; repeats: number }>();
  emitter.on('error', (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    const t = now();
    const last = seen.get(message);
    if (last !== undefined && t - last.at < windowMs) {
      last.repeats += 1;
      return;
    }
    if (last === undefined && seen.size >= MAX_MESSAGES) seen.clear();
    seen.set(message, { at: t, repeats: 0 });
    logger.warn(
      { err: message, ...(last !== undefined && last.repeats > 0 ? { repeated: last.repeats } : {}) },
      `${what} error`,
    );
  });
}
