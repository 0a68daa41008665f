import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/** Paths pino blanks out wherever they appear: secrets never reach a log line. */
export const REDACTED_PATHS = [
  'password',
  'secret',
  'token',
  'tokenSecret',
  'signingSecret',
  'botToken',
  'appToken',
  'authorization',
  'cookie',
  '*.password',
  '*.secret',
  '*.token',
  '*.tokenSecret',
  '*.signingSecret',
  '*.botToken',
  '*.appToken',
  '*.authorization',
  '*.Authorization',
  '*.cookie',
  '*.Cookie',
  '*.CSRFPreventionToken',
  '*.ticket',
];

/** The one logger factory; the composition roots call it, everything else receives a (child) logger. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { app: 'pve-clonebot' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
