import { z } from 'zod';

/**
 * The one validated configuration. Every environment variable pve-clonebot reads is declared here,
 * grouped by the part of the program that needs it, so that a command reads only the parts it uses
 * (the CLI's `clone` needs no Slack variable, the bot needs no health schedule, ...).
 */

const bool = (name: string, fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const s = v.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off'].includes(s)) return false;
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false (got '${v}')` });
      return z.NEVER;
    });

const int = (name: string, fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v.trim());
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a whole number from ${min} to ${max} (got '${v}')`,
        });
        return z.NEVER;
      }
      return n;
    });

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** `https://host[:port][/]` → origin with the port made explicit (Proxmox listens on 8006, not 443). */
const proxmoxUrl = z
  .string({ error: 'PROXMOX_URL is required, e.g. https://pve1.example.com:8006' })
  .transform((v, ctx) => {
    let url: URL;
    try {
      url = new URL(v.trim());
    } catch {
      ctx.addIssue({ code: 'custom', message: `PROXMOX_URL must look like https://host:8006 (got '${v}')` });
      return z.NEVER;
    }
    if (url.protocol !== 'https:') {
      ctx.addIssue({
        code: 'custom',
        message: `PROXMOX_URL must use https:// (Proxmox serves its API over TLS only; got '${v}')`,
      });
      return z.NEVER;
    }
    if (url.pathname !== '/' && url.pathname !== '/api2/json' && url.pathname !== '/api2/json/') {
      ctx.addIssue({
        code: 'custom',
        message: `PROXMOX_URL must be the server's address without a path, e.g. https://host:8006 (got '${v}')`,
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

const proxmoxSection = z
  .object({
    PROXMOX_URL: proxmoxUrl,
    PROXMOX_TOKEN_ID: optionalText,
    PROXMOX_TOKEN_SECRET: optionalText,
    PROXMOX_USERNAME: optionalText,
    PROXMOX_PASSWORD: optionalText,
    PROXMOX_CA_FILE: optionalText,
    PROXMOX_INSECURE_TLS: bool('PROXMOX_INSECURE_TLS', false),
    PROXMOX_TIMEOUT_SECONDS: int('PROXMOX_TIMEOUT_SECONDS', 30, 1, 600),
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
    };
  });

/** `pve1=1,pve2=2` → Map node → node id. */
const templateNodeIds = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === '') return undefined;
    const map = new Map<string, number>();
    for (const part of v.split(',')) {
      const m = /^\s*([A-Za-z0-9][A-Za-z0-9.-]*)\s*=\s*(\d+)\s*$/.exec(part);
      const id = m ? Number(m[2]) : Number.NaN;
      if (!m || !Number.isInteger(id) || id < 1 || id > 9_999_990) {
        ctx.addIssue({
          code: 'custom',
          message: `TEMPLATE_NODE_IDS must look like pve1=1,pve2=2 (node=id, ids 1 or more: 9000 + id*100 + base); '${part.trim()}' is not`,
        });
        return z.NEVER;
      }
      if (map.has(m[1] as string)) {
        ctx.addIssue({ code: 'custom', message: `TEMPLATE_NODE_IDS names node '${m[1]}' twice` });
        return z.NEVER;
      }
      map.set(m[1] as string, id);
    }
    return map;
  });

const cloneSection = z.object({
  CLONE_TIMEOUT_SECONDS: int('CLONE_TIMEOUT_SECONDS', 900, 10, 86_400),
  PROGRESS_INTERVAL_SECONDS: int('PROGRESS_INTERVAL_SECONDS', 30, 1, 3600),
  CLONE_CONCURRENCY_PER_NODE: int('CLONE_CONCURRENCY_PER_NODE', 2, 1, 64),
  TEMPLATE_NODE_IDS: templateNodeIds,
});

const SLACK_ID_LIST = /^[UWSC][A-Z0-9]{2,}$/;
const idList = (name: string, allowed: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return [] as string[];
      const ids = v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      for (const id of ids) {
        if (!SLACK_ID_LIST.test(id) || !allowed.includes(id[0] as string)) {
          ctx.addIssue({
            code: 'custom',
            message: `${name} must be a comma list of Slack ids (${allowed
              .split('')
              .map((c) => `${c}…`)
              .join(', ')}); '${id}' is not one (use the member or group id, not the display name)`,
          });
          return z.NEVER;
        }
      }
      return ids;
    });

const slackSection = z
  .object({
    SLACK_BOT_TOKEN: z
      .string({ error: 'SLACK_BOT_TOKEN is required (the xoxb-… Bot User OAuth Token)' })
      .regex(/^xoxb-/, 'SLACK_BOT_TOKEN must start with xoxb-'),
    SLACK_SIGNING_SECRET: optionalText,
    SLACK_APP_TOKEN: optionalText.refine((v) => v === undefined || v.startsWith('xapp-'), {
      message: 'SLACK_APP_TOKEN must start with xapp- (an app-level token with connections:write)',
    }),
    SLACK_API_URL: optionalText.refine(
      (v) => v === undefined || /^https?:\/\/[^\s]+\/$/.test(v) || /^https?:\/\/[^\s]+$/.test(v),
      { message: 'SLACK_API_URL must be an http(s) URL such as https://slack.com/api/' },
    ),
    PORT: int('PORT', 3000, 0, 65_535),
    CLONE_APPROVERS: idList('CLONE_APPROVERS', 'UWS'),
    CLONE_REQUIRE_APPROVAL: bool('CLONE_REQUIRE_APPROVAL', true),
    CLONE_ALLOW_SELF_APPROVAL: bool('CLONE_ALLOW_SELF_APPROVAL', false),
    CLONE_APPROVAL_TTL_MINUTES: int('CLONE_APPROVAL_TTL_MINUTES', 1440, 1, 525_600),
    CLONE_REQUESTERS: idList('CLONE_REQUESTERS', 'UWSC'),
  })
  .transform((e, ctx) => {
    if (e.SLACK_APP_TOKEN === undefined && e.SLACK_SIGNING_SECRET === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message:
          'SLACK_SIGNING_SECRET is required in HTTP mode (Basic Information → Signing Secret); or set SLACK_APP_TOKEN for Socket Mode',
      });
      return z.NEVER;
    }
    if (e.CLONE_REQUIRE_APPROVAL && e.CLONE_APPROVERS.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['CLONE_APPROVERS'],
        message:
          'CLONE_APPROVERS is required while CLONE_REQUIRE_APPROVAL is true: a comma list of user ids (U…) and user-group ids (S…)',
      });
      return z.NEVER;
    }
    const apiUrl = e.SLACK_API_URL ?? 'https://slack.com/api/';
    return {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`,
      port: e.PORT,
      approvers: e.CLONE_APPROVERS,
      requireApproval: e.CLONE_REQUIRE_APPROVAL,
      allowSelfApproval: e.CLONE_ALLOW_SELF_APPROVAL,
      approvalTtlMs: e.CLONE_APPROVAL_TTL_MINUTES * 60_000,
      requesters: e.CLONE_REQUESTERS,
    };
  });

const redisSection = z.object({
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
          message: `REDIS_URL must look like redis://host:6379 or redis://host:6379/15 (got '${s}')`,
        });
        return z.NEVER;
      }
      return s;
    }),
});

const CRON = /^(\S+\s+){4}\S+$/;
const healthSection = z.object({
  HEALTH_REPORT_CHANNEL: optionalText.refine((v) => v === undefined || /^[CG][A-Z0-9]{2,}$/.test(v), {
    message: 'HEALTH_REPORT_CHANNEL must be a channel id such as C0123456789 (not its #name)',
  }),
  HEALTH_REPORT_CRON: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? '0 8 * * *' : v.trim()))
    .refine((v) => CRON.test(v), {
      message: "HEALTH_REPORT_CRON must be a five-field cron expression such as '0 8 * * *'",
    }),
  HEALTH_REPORT_TZ: optionalText.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        new Intl.DateTimeFormat('en', { timeZone: v });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'HEALTH_REPORT_TZ must be an IANA time zone such as Europe/Berlin' },
  ),
  HEALTH_CHECK_INTERVAL_MINUTES: int('HEALTH_CHECK_INTERVAL_MINUTES', 15, 1, 10_080),
  HEALTH_LOCK_STUCK_MINUTES: int('HEALTH_LOCK_STUCK_MINUTES', 60, 1, 10_080),
});

const logSection = z.object({
  LOG_LEVEL: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? 'info' : v.trim().toLowerCase()))
    .pipe(
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
      }),
    ),
});

/** The schema, one section per part of the program. */
export const configSchema = {
  proxmox: proxmoxSection,
  clone: cloneSection,
  slack: slackSection,
  redis: redisSection,
  health: healthSection,
  log: logSection,
} as const;

export type ProxmoxAuth =
  | { kind: 'token'; tokenId: string; secret: string }
  | { kind: 'password'; username: string; password: string };

export type Section = keyof typeof configSchema;

export interface Config {
  proxmox: z.output<typeof proxmoxSection>;
  clone: {
    timeoutMs: number;
    progressIntervalMs: number;
    concurrencyPerNode: number;
    templateNodeIds: Map<string, number> | undefined;
  };
  slack: z.output<typeof slackSection>;
  redis: { url: string };
  health: {
    channel: string | undefined;
    cron: string;
    tz: string | undefined;
    checkIntervalMs: number;
    lockStuckMs: number;
  };
  log: { level: z.output<typeof logSection>['LOG_LEVEL'] };
}
export type ProxmoxConfig = Config['proxmox'];
export type CloneConfig = Config['clone'];
export type SlackConfig = Config['slack'];
export type HealthConfig = Config['health'];

/** Thrown when the environment is missing or has a malformed variable; its message names each one. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration error:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((i) => {
    const variable = i.path.map(String).join('.');
    // Our custom messages already name the variable; zod's built-in ones don't.
    return variable !== '' && !i.message.includes(variable) ? `${variable}: ${i.message}` : i.message;
  });
}

/**
 * Reads and validates the sections of the configuration a command needs from `env`.
 * Throws one ConfigError listing every bad or missing variable.
 */
export function loadConfig<S extends Section>(
  env: Env = process.env,
  sections: readonly S[] = Object.keys(configSchema) as S[],
): Pick<Config, S> {
  const problems: string[] = [];
  const out: Partial<Config> = {};
  for (const section of sections) {
    const result = configSchema[section].safeParse(env);
    if (!result.success) {
      problems.push(...issuesOf(result.error));
      continue;
    }
    const v = result.data as Record<string, unknown>;
    switch (section) {
      case 'clone':
        out.clone = {
          timeoutMs: (v.CLONE_TIMEOUT_SECONDS as number) * 1000,
          progressIntervalMs: (v.PROGRESS_INTERVAL_SECONDS as number) * 1000,
          concurrencyPerNode: v.CLONE_CONCURRENCY_PER_NODE as number,
          templateNodeIds: v.TEMPLATE_NODE_IDS as Map<string, number> | undefined,
        };
        break;
      case 'redis':
        out.redis = { url: v.REDIS_URL as string };
        break;
      case 'health':
        out.health = {
          channel: v.HEALTH_REPORT_CHANNEL as string | undefined,
          cron: v.HEALTH_REPORT_CRON as string,
          tz: v.HEALTH_REPORT_TZ as string | undefined,
          checkIntervalMs: (v.HEALTH_CHECK_INTERVAL_MINUTES as number) * 60_000,
          lockStuckMs: (v.HEALTH_LOCK_STUCK_MINUTES as number) * 60_000,
        };
        break;
      case 'log':
        out.log = { level: v.LOG_LEVEL as Config['log']['level'] };
        break;
      default:
        (out as Record<string, unknown>)[section] = v;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as Pick<Config, S>;
}
