import { z } from 'zod';
import { bool, int, optionalText, redactUrl } from './env-values.ts';

/** How pve-clonebot authenticates to Proxmox: an API token (preferred) or a user with renewed tickets. */
export type ProxmoxAuth =
  | { kind: 'token'; tokenId: string; secret: string }
  | { kind: 'password'; username: string; password: string };

/** `https://host[:port][/]` → origin with the port made explicit (Proxmox listens on 8006, not 443). */
const proxmoxUrl = z
  .string({ error: 'PROXMOX_URL is required, e.g. https://pve1.example.com:8006' })
  .transform((v, ctx) => {
    let url: URL;
    try {
      url = new URL(v.trim());
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `PROXMOX_URL must look like https://host:8006 (got '${redactUrl(v)}')`,
      });
      return z.NEVER;
    }
    if (url.protocol !== 'https:') {
      ctx.addIssue({
        code: 'custom',
        message: `PROXMOX_URL must use https:// (Proxmox serves its API over TLS only; got '${redactUrl(v)}')`,
      });
      return z.NEVER;
    }
    if (url.pathname !== '/' && url.pathname !== '/api2/json' && url.pathname !== '/api2/json/') {
      ctx.addIssue({
        code: 'custom',
        message: `PROXMOX_URL must be the server's address without a path, e.g. https://host:8006 (got '${redactUrl(v)}')`,
      });
      return z.NEVER;
    }
    // URL drops :443 as the https default, so an explicit 443 is not detectable here; anything else is kept.
    const port = url.port === '' ? (v.includes(':443') ? 443 : 8006) : Number(url.port);
    return { origin: `https://${url.hostname}:${port}`, host: url.hostname, port };
  });

/** USER@REALM!TOKENID, e.g. clonebot@pve!slack */
const TOKEN_ID = /^[^\s@!]+@[A-Za-z0-9.\-_]+![A-Za-z][A-Za-z0-9.\-_]*$/;
/** USER@REALM, e.g. root@pam */
const USERNAME = /^[^\s@!]+@[A-Za-z0-9.\-_]+$/;

/** PROXMOX_*: where the API is, how to authenticate, how to trust its certificate. */
export const proxmoxSection = z
  .object({
    PROXMOX_URL: proxmoxUrl,
    PROXMOX_TOKEN_ID: optionalText,
    PROXMOX_TOKEN_SECRET: optionalText,
    PROXMOX_USERNAME: optionalText,
    PROXMOX_PASSWORD: optionalText,
    PROXMOX_CA_FILE: optionalText,
    PROXMOX_INSECURE_TLS: bool('PROXMOX_INSECURE_TLS', false),
    PROXMOX_TIMEOUT_SECONDS: int('PROXMOX_TIMEOUT_SECONDS', 30, 1, 600),
    PROXMOX_MAX_CONNECTIONS: int('PROXMOX_MAX_CONNECTIONS', 16, 1, 256),
  })
  .transform((e, ctx) => {
    let auth: ProxmoxAuth;
    if (e.PROXMOX_TOKEN_ID !== undefined || e.PROXMOX_TOKEN_SECRET !== undefined) {
      if (e.PROXMOX_TOKEN_ID === undefined || !TOKEN_ID.test(e.PROXMOX_TOKEN_ID)) {
        ctx.addIssue({
          code: 'custom',
          path: ['PROXMOX_TOKEN_ID'],
          message: 'PROXMOX_TOKEN_ID must be the full token id USER@REALM!TOKENID, e.g. clonebot@pve!slack',
        });
        return z.NEVER;
      }
      if (e.PROXMOX_TOKEN_SECRET === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['PROXMOX_TOKEN_SECRET'],
          message:
            'PROXMOX_TOKEN_SECRET is required with PROXMOX_TOKEN_ID (the UUID shown once when the token was made)',
        });
        return z.NEVER;
      }
      auth = { kind: 'token', tokenId: e.PROXMOX_TOKEN_ID, secret: e.PROXMOX_TOKEN_SECRET };
    } else if (e.PROXMOX_USERNAME !== undefined || e.PROXMOX_PASSWORD !== undefined) {
      if (e.PROXMOX_USERNAME === undefined || !USERNAME.test(e.PROXMOX_USERNAME)) {
        ctx.addIssue({
          code: 'custom',
          path: ['PROXMOX_USERNAME'],
          message: 'PROXMOX_USERNAME must be USER@REALM, e.g. clonebot@pve',
        });
        return z.NEVER;
      }
      if (e.PROXMOX_PASSWORD === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['PROXMOX_PASSWORD'],
          message: 'PROXMOX_PASSWORD is required with PROXMOX_USERNAME',
        });
        return z.NEVER;
      }
      auth = { kind: 'password', username: e.PROXMOX_USERNAME, password: e.PROXMOX_PASSWORD };
    } else {
      ctx.addIssue({
        code: 'custom',
        path: ['PROXMOX_TOKEN_ID'],
        message:
          'Proxmox credentials are missing: set PROXMOX_TOKEN_ID and PROXMOX_TOKEN_SECRET (preferred) or PROXMOX_USERNAME and PROXMOX_PASSWORD',
      });
      return z.NEVER;
    }
    if (e.PROXMOX_CA_FILE !== undefined && e.PROXMOX_INSECURE_TLS) {
      ctx.addIssue({
        code: 'custom',
        path: ['PROXMOX_INSECURE_TLS'],
        message: 'set either PROXMOX_CA_FILE or PROXMOX_INSECURE_TLS=true, not both',
      });
      return z.NEVER;
    }
    return {
      url: e.PROXMOX_URL.origin,
      host: e.PROXMOX_URL.host,
      port: e.PROXMOX_URL.port,
      auth,
      caFile: e.PROXMOX_CA_FILE,
      insecureTls: e.PROXMOX_INSECURE_TLS,
      timeoutMs: e.PROXMOX_TIMEOUT_SECONDS * 1000,
      // Optional in the type: a config built by hand (tests, tools) gets the pool's default.
      ...({ maxConnections: e.PROXMOX_MAX_CONNECTIONS } as { maxConnections?: number }),
    };
  });
