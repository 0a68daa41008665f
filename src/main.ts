import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { type ServiceMode, startServices } from './services/start-services.ts';
import { SHUTDOWN_DRAIN_MS } from './shutdown-drain.ts';

/**
 * The composition root for the long-running processes, run compiled (`node dist/main.js`; `npm start` builds
 * first): bot + worker, `npm run start:bot`
 * (arg `bot`), `npm run start:worker` (arg `worker`). SIGTERM/SIGINT drain the worker, stop the app, quit Redis.
 */
async function main(): Promise<void> {
  const arg = process.argv[2];
  if (arg !== undefined && arg !== 'bot' && arg !== 'worker') {
    process.stderr.write(`usage: node dist/main.js [bot|worker] (got '${arg}')\n`);
    process.exit(2);
  }
  const mode: ServiceMode = arg ?? 'all';
  // A worker receives no Slack requests and decides no approvals: it skips the bot's checks (signing secret,
  // approvers) and needs only the token and API URL of the Slack section.
  const sections = ['proxmox', 'clone', 'slack', 'redis', 'log', 'health', 'worker'] as const;
  let config: ReturnType<typeof loadConfig<(typeof sections)[number]>>;
  try {
    config = loadConfig(process.env, mode === 'worker' ? sections : [...sections, 'slackBot']);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.log.level);
  const services = await startServices(config, { mode, logger });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now (running clones resume on another worker)');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'draining');
    services
      .stop({ drainTimeoutMs: SHUTDOWN_DRAIN_MS })
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`pve-clonebot failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
