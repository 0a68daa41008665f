import type { z } from 'zod';
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

export interface Config {
  proxmox: z.output<typeof proxmoxSection>;
  clone: {
    timeoutMs: number;
    progressIntervalMs: number;
    concurrencyPerNode: number;
    /** Storage lock timeouts: new attempts, and the first pause in ms (it doubles). */
    lockRetry: { retries: number; firstDelayMs: number };
    templateNodeIds: Map<string, number> | undefined;
  };
  slack: z.output<typeof slackSection>;
  /** Only checks (bot processes): nothing to read from it. */
  slackBot: z.output<typeof slackBotSection>;
  redis: { url: string };
  health: {
    channel: string | undefined;
    cron: string;
    tz: string | undefined;
    checkIntervalMs: number;
    lockStuckMs: number;
  };
  log: { level: z.output<typeof logSection>['LOG_LEVEL'] };
  /** The clone worker process. */
  worker: { concurrency: number };
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
          lockRetry: {
            retries: v.STORAGE_LOCK_RETRIES as number,
            firstDelayMs: (v.STORAGE_LOCK_RETRY_SECONDS as number) * 1000,
          },
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
      case 'worker':
        out.worker = { concurrency: v.WORKER_CONCURRENCY as number };
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
