import { z } from 'zod';
import { optionalText, redactUrl } from './env-values.ts';

/** One sentinel's address; its port defaults to Sentinel's 26379. */
export interface SentinelAddress {
  host: string;
  port: number;
}

/** REDIS_SENTINELS: `host:port,host:port`, or unset (a single Redis at REDIS_URL). */
const sentinelList = z
  .string()
  .optional()
  .transform((v, ctx): SentinelAddress[] | undefined => {
    if (v === undefined || v.trim() === '') return undefined;
    const out: SentinelAddress[] = [];
    for (const item of v.split(',').map((s) => s.trim())) {
      // host, host:port or [v6]:port.
      const m = /^(\[[0-9a-f:.]+\]|[^\s:[\]/@]+)(?::(\d{1,5}))?$/i.exec(item);
      const port = m?.[2] === undefined ? 26379 : Number(m[2]);
      if (!m?.[1] || port < 1 || port > 65535) {
        ctx.addIssue({
          code: 'custom',
          message: `REDIS_SENTINELS must be host:port[,host:port...], e.g. sentinel1:26379,sentinel2:26379 (got '${redactUrl(item)}')`,
        });
        return z.NEVER;
      }
      out.push({ host: m[1].replace(/^\[|\]$/g, ''), port });
    }
    return out;
  });

/**
 * REDIS_URL, which may name a database; or Sentinel: REDIS_SENTINELS + REDIS_SENTINEL_NAME (+ REDIS_SENTINEL_PASSWORD
 * when the sentinels require one), REDIS_URL then giving only the master's password, database and `rediss:`.
 * REDIS_CA_FILE: with `rediss:`, the PEM of the CA that signed the Redis (and sentinels') certificates, trusted
 * instead of the system store (a private CA, as PROXMOX_CA_FILE for Proxmox).
 */
export const redisSection = z
  .object({
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
    REDIS_SENTINELS: sentinelList,
    REDIS_SENTINEL_NAME: optionalText,
    REDIS_SENTINEL_PASSWORD: optionalText,
    REDIS_CA_FILE: optionalText,
  })
  .superRefine((v, ctx) => {
    if (v.REDIS_CA_FILE !== undefined && !v.REDIS_URL.startsWith('rediss:')) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_CA_FILE'],
        message:
          'REDIS_CA_FILE is set but REDIS_URL is not rediss://: the CA is only used over TLS (rediss://:password@host:6380)',
      });
    }
    if (v.REDIS_SENTINELS !== undefined && v.REDIS_SENTINEL_NAME === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_SENTINEL_NAME'],
        message:
          "REDIS_SENTINEL_NAME is required with REDIS_SENTINELS: the master's name in the sentinels' config (`sentinel monitor <name> ...`)",
      });
    }
    if (v.REDIS_SENTINELS === undefined && v.REDIS_SENTINEL_NAME !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_SENTINELS'],
        message: 'REDIS_SENTINEL_NAME is set but REDIS_SENTINELS is not: list the sentinels as host:port,...',
      });
    }
    if (v.REDIS_SENTINELS === undefined && v.REDIS_SENTINEL_PASSWORD !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_SENTINELS'],
        message:
          "REDIS_SENTINEL_PASSWORD is set but REDIS_SENTINELS is not: list the sentinels as host:port,... (a single Redis's password goes in REDIS_URL)",
      });
    }
  });
