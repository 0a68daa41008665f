import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';

/** Writes one audit line: `{ audit: true, at, ...fields }` at `level` (default info). */
export type Audit = (fields: Record<string, unknown>, msg: string, level?: 'info' | 'warn' | 'error') => void;

/**
 * The audit log of `logger`: the same JSON lines, through a child that is always at least at `info`, so a
 * process at LOG_LEVEL warn (the CLI's default, e.g. `pve-clonebot leases sweep` from cron) still writes
 * every expiry, extension, deletion and refusal without its other info logs. LOG_LEVEL silent stays silent.
 */
export function createAudit(logger: Logger, clock: Clock): Audit {
  const info = logger.levels.values.info ?? 30;
  const quiet = logger.level === 'silent' || logger.levelVal <= info;
  const log = quiet ? logger : logger.child({}, { level: 'info' });
  return (fields, msg, level = 'info') =>
    log[level]({ audit: true, at: new Date(clock.now()).toISOString(), ...fields }, msg);
}
