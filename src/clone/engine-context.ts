import type { Clock } from '../clock.ts';
import type { CloneConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { ProxmoxClient } from '../proxmox/types.ts';
import type { ClusterWatcher } from './cluster-watcher.ts';
import type { PollCadenceLimits } from './poll-cadence.ts';
import type { SharedReads } from './shared-reads.ts';
import type { StartGate } from './start-gate.ts';

/** What every step of the clone workflow receives (built once by createCloneEngine). */
export interface EngineContext {
  proxmox: ProxmoxClient;
  /** The pre-clone check's cluster reads, joined across concurrent clones (never used to find a started clone). */
  preflightReads: SharedReads;
  /** Bounds the clones of this process between the template check and the clone POST's answer. */
  startGate: StartGate;
  clock: Clock;
  logger: Logger;
  config: CloneConfig;
  watcher: ClusterWatcher;
  /** When each clone wants its polls: fast near a possible end, backing off to a ceiling in between. */
  pollCadence: PollCadenceLimits;
  /** Ceiling of the poll interval (= pollCadence.slowMs); also the pause of the resume look-up. */
  pollIntervalMs: number;
  /** Attempts with a fresh VMID when the chosen one turns out to be taken. */
  maxVmidAttempts: number;
  /** How long to wait for the new VM's lock to clear after the task ended OK. */
  lockClearTimeoutMs: number;
  /** After a cancel stopped the task: how long to wait for Proxmox to end it. */
  cancelGraceMs: number;
  /** VMIDs handed out by allocateVmid whose clone POST has not returned yet (shared by concurrent clones). */
  pendingVmids: Set<number>;
}
