import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../logger.ts';

/** Bolt's logger interface on top of our pino logger (so Bolt's lines are JSON and redacted like ours). */
export function boltLogger(logger: Logger): BoltLogger {
  let level: LogLevel = LogLevel.INFO;
  const text = (msgs: unknown[]) => msgs.map((m) => (typeof m === 'string' ? m : String(m))).join(' ');
  return {
    debug: (...msgs) => logger.debug(text(msgs)),
    info: (...msgs) => logger.info(text(msgs)),
    warn: (...msgs) => logger.warn(text(msgs)),
    error: (...msgs) => logger.error(text(msgs)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
