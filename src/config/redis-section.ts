import { z } from 'zod';
import { redactUrl } from './env-values.ts';

/** REDIS_URL, which may name a database. */
export const redisSection = z.object({
  REDIS_URL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const s = v === undefined || v.trim() === '' ? 'redis://127.0.0.1:6379' : v.trim();
      try {
        const u = new URL(s);
        if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error('scheme');
        const db = u.pathname.replace(/^\//, '');
        if (db !== '' && !/^\d+$/.test(db)) throw new Error('db');
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: `REDIS_URL must look like redis://host:6379 or redis://host:6379/15 (got '${redactUrl(s)}')`,
        });
        return z.NEVER;
      }
      return s;
    }),
});
