import type { Clock } from '../clock.ts';
import type { CloneCheckpoint } from '../core/types.ts';
import type { CloneConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { ProxmoxClient } from '../proxmox/types.ts';
import { cloneVmFromTemplate } from './clone-vm-from-template.ts';
import { type ClusterWatcher, createClusterWatcher } from './cluster-watcher.ts';
import type { EngineContext } from './engine-context.ts';
import { findStartedClone, type StartedClone } from './find-started-clone.ts';
import { listTemplates } from './list-templates.ts';
import { defaultPollCadence } from './poll-cadence.ts';
import { runPreflight } from './preflight.ts';
import { shareConcurrentReads } from './shared-reads.ts';
import { createStartGate } from './start-gate.ts';
import { isDiagnosis, resolveAndCheckTemplate } from './resolve-template.ts';
import type { CloneEngine } from './types.ts';
import { verifyTemplateHasDisk } from './verify-template-has-disk.ts';

/** What createCloneEngine needs; the composition root builds these. */
export interface CloneEngineDeps {
  proxmox: ProxmoxClient;
  clock: Clock;
  logger: Logger;
  config: CloneConfig;
  /** One watcher per process shares the polls of all clones; made here when not given. */
  watcher?: ClusterWatcher;
  /** Ceiling of a clone's poll interval (default 5 s, or the progress interval when shorter). */
  pollIntervalMs?: number;
  /** Interval near a possible end: the first 10 s, a copy's predicted end, finishing (default 1 s or the ceiling). */
  fastPollIntervalMs?: number;
  /** Attempts with a fresh VMID on a clash (default 5). */
  maxVmidAttempts?: number;
  /** Wait for the new VM's lock to clear after the task ended OK (default 60 s). */
  lockClearTimeoutMs?: number;
  /** Wait for Proxmox to end a stopped (cancelled) task (default 120 s). */
  cancelGraceMs?: number;
  /** Clones of this process checking and starting at once; the others wait their turn (default 16). */
  startsAtOnce?: number;
}

/** The clone engine plus the design note's template check. */
export interface CloneEngineWithChecks extends CloneEngine {
  verifyTemplateHasDisk(node: string, templateVmid: number): Promise<{ hasDisk: boolean; diskKey?: string }>;
  /** Whether the clone of a checkpoint (VMID chosen, UPID maybe never saved) was started: for lost jobs. */
  findStartedClone(cp: CloneCheckpoint): Promise<StartedClone>;
  /** The shared watcher (its stats count polls and Proxmox calls). */
  readonly watcher: ClusterWatcher;
  /** Stops the watcher if this engine made it. */
  close(): void;
}

/** Builds the clone workflow over a Proxmox client; every wait uses `clock`. */
export function createCloneEngine(deps: CloneEngineDeps): CloneEngineWithChecks {
  const base = defaultPollCadence(deps.config.progressIntervalMs);
  const pollIntervalMs = deps.pollIntervalMs ?? base.slowMs;
  const fastMs = Math.min(deps.fastPollIntervalMs ?? base.fastMs, pollIntervalMs);
  const pollCadence = { ...base, slowMs: pollIntervalMs, fastMs };
  const ownWatcher = deps.watcher === undefined;
  const watcher =
    deps.watcher ??
    createClusterWatcher({
      proxmox: deps.proxmox,
      clock: deps.clock,
      logger: deps.logger,
      intervalMs: pollIntervalMs,
      minIntervalMs: pollCadence.fastMs,
    });
  const ctx: EngineContext = {
    proxmox: deps.proxmox,
    preflightReads: shareConcurrentReads(deps.proxmox),
    startGate: createStartGate(deps.startsAtOnce ?? 16),
    clock: deps.clock,
    logger: deps.logger,
    config: deps.config,
    watcher,
    pollCadence,
    pollIntervalMs,
    maxVmidAttempts: deps.maxVmidAttempts ?? 5,
    lockClearTimeoutMs: deps.lockClearTimeoutMs ?? 60_000,
    cancelGraceMs: deps.cancelGraceMs ?? 120_000,
    pendingVmids: new Set(),
  };
  return {
    watcher,
    preflight: async (request) => {
      const r = await runPreflight(ctx, request);
      return r.ok ? { ok: true, template: r.facts.template } : r;
    },
    cloneVmFromTemplate: (request, options) => cloneVmFromTemplate(ctx, request, options),
    listTemplates: (node) => listTemplates(ctx, node),
    resolveTemplate: async (ref, node) => {
      const r = await resolveAndCheckTemplate(ctx, ref, node, await deps.proxmox.listClusterVms());
      return isDiagnosis(r) ? r : r.template;
    },
    findStartedClone: (cp) => findStartedClone(ctx, cp),
    verifyTemplateHasDisk: (node, vmid) => verifyTemplateHasDisk(deps.proxmox, node, vmid),
    close: () => {
      if (ownWatcher) watcher.close();
    },
  };
}
