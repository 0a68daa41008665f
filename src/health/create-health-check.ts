import type { Redis } from 'ioredis';
import type { Clock } from '../clock.ts';
import type { CloneConfig, HealthConfig } from '../config.ts';
import type { HealthReport } from '../core/health-types.ts';
import type { Logger } from '../logger.ts';
import type { ProxmoxClient } from '../proxmox/types.ts';
import { createRedisKnownTemplates } from './known-templates-store.ts';
import { createRedisLockSinceStore } from './lock-since-store.ts';
import { runHealthCheck } from './run-health-check.ts';

/** What a process needs to run health checks that share their memory (lock ages) through Redis. */
export interface HealthCheckRunnerDeps {
  redis: Redis;
  proxmox: ProxmoxClient;
  clock: Clock;
  logger: Logger;
  config: Pick<HealthConfig, 'lockStuckMs'>;
  cloneConfig: Pick<CloneConfig, 'templateNodeIds'>;
  prefix?: string;
}

/** A function running one health check with the Redis-backed lock and template memory. */
export function createHealthCheck(deps: HealthCheckRunnerDeps): () => Promise<HealthReport> {
  const lockSince = createRedisLockSinceStore(deps.redis, deps.prefix);
  const knownTemplates = createRedisKnownTemplates(deps.redis, deps.prefix);
  return () =>
    runHealthCheck({
      proxmox: deps.proxmox,
      clock: deps.clock,
      lockSince,
      knownTemplates,
      lockStuckMs: deps.config.lockStuckMs,
      templateNodeIds: deps.cloneConfig.templateNodeIds,
      logger: deps.logger,
    });
}
