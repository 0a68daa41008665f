import { z } from 'zod';
import { int, optionalText } from './env-values.ts';

/**
 * `npm run demo`'s own variables: where the sandbox listens, how fast cluster time runs, the Slack transport;
 * the Redis to use (absent: a local or spawned one), the log level (quiet by default), and the clone settings
 * handed through to the demo's bot and worker.
 */
export const demoSection = z.object({
  DEMO_PORT: int('DEMO_PORT', 3000, 0, 65_535),
  DEMO_HOST: z
    .string()
    .optional()
    .transform((v) => v?.trim() || '127.0.0.1'),
  DEMO_TIME_SCALE: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const n = v === undefined || v.trim() === '' ? 5 : Number(v);
      if (!Number.isFinite(n) || n < 0) {
        ctx.addIssue({ code: 'custom', message: `DEMO_TIME_SCALE must be a number (got '${v}')` });
        return z.NEVER;
      }
      return n || 1; // 0: real time
    }),
  DEMO_SLACK_MODE: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const mode = v?.trim().toLowerCase() || 'http';
      if (mode === 'http' || mode === 'socket') return mode;
      ctx.addIssue({ code: 'custom', message: `DEMO_SLACK_MODE must be socket or http (got '${v}')` });
      return z.NEVER;
    }),
  REDIS_URL: optionalText,
  LOG_LEVEL: optionalText.transform((v) => v ?? 'warn'),
  PROGRESS_INTERVAL_SECONDS: optionalText,
  CLONE_TIMEOUT_SECONDS: optionalText,
  CLONE_CONCURRENCY_PER_NODE: optionalText,
});

export type DemoConfig = z.infer<typeof demoSection>;
