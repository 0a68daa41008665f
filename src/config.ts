import type { z } from 'zod';
import { type DemoConfig, demoSection } from './config/demo-section.ts';
import { cloneSection } from './config/clone-section.ts';
import { healthSection } from './config/health-section.ts';
import { logSection } from './config/log-section.ts';
import { type ProxmoxAuth, proxmoxSection } from './config/proxmox-section.ts';
import { redisSection } from './config/redis-section.ts';
import { slackBotSection, slackSection } from './config/slack-section.ts';
import { workerSection } from './config/worker-section.ts';

export type { ProxmoxAuth };

/**
 * The one validated configuration. Every environment variable pve-clonebot reads is declared in
 * src/config/, one section per part of the program that needs it, so that a command reads only the parts it uses
 * (the CLI's `clone` needs no Slack variable, the bot needs no health schedule, ...).
 */

/** The schema, one section per part of the program. */
export const configSchema = {
  proxmox: proxmoxSection,
  clone: cloneSection,
  slack: slackSection,
  slackBot: slackBotSection,
  redis: redisSection,
  health: healthSection,
  log: logSection,
  worker: workerSection,
} as const;

export type Section = keyof typeof configSchema;

type Raw<S extends Section> = z.output<(typeof configSchema)[S]>;

/**
 * How each section's validated variables become the program's settings (units, grouping). The Config type
 * is derived from these and the zod schemas, so a variable added to a schema is typed everywhere at once.
 */
const sectionReaders = {
  proxmox: (v: Raw<'proxmox'>) => v,
  clone: (v: Raw<'clone'>) => ({
    timeoutMs: v.CLONE_TIMEOUT_SECONDS * 1000,
    progressIntervalMs: v.PROGRESS_INTERVAL_SECONDS * 1000,
    concurrencyPerNode: v.CLONE_CONCURRENCY_PER_NODE,
    concurrencyPerSharedStorage: v.CLONE_CONCURRENCY_PER_SHARED_STORAGE,
    /** Storage lock timeouts: new attempts, and the first pause in ms (it doubles). */
    lockRetry: { retries: v.STORAGE_LOCK_RETRIES, firstDelayMs: v.STORAGE_LOCK_RETRY_SECONDS * 1000 },
    templateNodeIds: v.TEMPLATE_NODE_IDS,
    /** CLONE_POLICY_FILE, checked; undefined without the file (today's behaviour). */
    policy: v.CLONE_POLICY_FILE,
  }),
  slack: (v: Raw<'slack'>) => v,
  /** Only checks (bot processes): nothing to read from it. */
  slackBot: (v: Raw<'slackBot'>) => v,
  /**
   * `url` always (with Sentinel only its password, database and `rediss:` are used); `sentinel` when
   * REDIS_SENTINELS is set: the sentinels, the master's name and the sentinels' own password.
   */
  redis: (v: Raw<'redis'>) => ({
    url: v.REDIS_URL,
    /** REDIS_CA_FILE (only with rediss:): the CA trusted for Redis and the sentinels. */
    caFile: v.REDIS_CA_FILE,
    sentinel:
      v.REDIS_SENTINELS === undefined || v.REDIS_SENTINEL_NAME === undefined
        ? undefined
        : {
            sentinels: v.REDIS_SENTINELS,
            name: v.REDIS_SENTINEL_NAME,
            password: v.REDIS_SENTINEL_PASSWORD,
          },
  }),
  health: (v: Raw<'health'>) => ({
    channel: v.HEALTH_REPORT_CHANNEL,
    cron: v.HEALTH_REPORT_CRON,
    tz: v.HEALTH_REPORT_TZ,
    checkIntervalMs: v.HEALTH_CHECK_INTERVAL_MINUTES * 60_000,
    lockStuckMs: v.HEALTH_LOCK_STUCK_MINUTES * 60_000,
  }),
  log: (v: Raw<'log'>) => ({ level: v.LOG_LEVEL }),
  /** The clone worker process. */
  worker: (v: Raw<'worker'>) => ({ concurrency: v.WORKER_CONCURRENCY }),
} satisfies { [S in Section]: (v: Raw<S>) => unknown };

/** The one validated configuration, section by section. */
export type Config = { [S in Section]: ReturnType<(typeof sectionReaders)[S]> };
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
  const out: Partial<Pick<Config, S>> = {};
  for (const section of sections) {
    const result = configSchema[section].safeParse(env);
    if (!result.success) {
      problems.push(...issuesOf(result.error));
      continue;
    }
    const read = sectionReaders[section] as (v: unknown) => Config[S];
    out[section] = read(result.data);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as Pick<Config, S>;
}

/** `npm run demo`'s own settings (DEMO_*), checked as the product's are; throws one ConfigError naming each. */
export function loadDemoConfig(env: Env = process.env): DemoConfig {
  const result = demoSection.safeParse(env);
  if (!result.success) throw new ConfigError(issuesOf(result.error));
  return result.data;
}
