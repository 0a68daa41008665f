import { type Logger as BoltLogger, LogLevel } from '@slack/web-api';
import type { Logger } from '../logger.ts';

/** Bolt's and the Web API's logger interface (both @slack/logger's) on top of our pino logger (so their lines are JSON and
 * redacted like ours). Imported from @slack/web-api, not Bolt: a worker uses it and must not load Bolt. */
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
