import type { Clock } from '../clock.ts';
import { evaluateTemplateHealth } from '../core/health-rules.ts';
import type { HealthReport } from '../core/health-types.ts';
import type { Logger } from '../logger.ts';
import type { ProxmoxClient } from '../proxmox/types.ts';
import { collectHealthInput } from './collect-health-input.ts';
import type { KnownTemplateStore } from './known-templates-store.ts';
import type { LockSinceStore } from './lock-since-store.ts';

/** What one health check needs. */
export interface HealthCheckDeps {
  proxmox: ProxmoxClient;
  clock: Clock;
  lockSince: LockSinceStore;
  knownTemplates?: KnownTemplateStore;
  /** HEALTH_LOCK_STUCK_MINUTES in ms. */
  lockStuckMs: number;
  templateNodeIds?: ReadonlyMap<string, number> | undefined;
  logger?: Logger;
  /** A note added to every report (e.g. the CLI's "lock ages start now"). */
  note?: string;
}

/** Collects the cluster's state and evaluates the template health rules on it. */
export async function runHealthCheck(deps: HealthCheckDeps): Promise<HealthReport> {
  const now = deps.clock.now();
  const { input, notes } = await collectHealthInput(deps.proxmox, {
    templateNodeIds: deps.templateNodeIds,
    lockSince: deps.lockSince,
    ...(deps.knownTemplates ? { knownTemplates: deps.knownTemplates } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
    now,
    lockStuckMs: deps.lockStuckMs,
  });
  const report = evaluateTemplateHealth(input, now);
  const all = deps.note === undefined ? notes : [...notes, deps.note];
  if (all.length > 0) report.notes = all;
  return report;
}
