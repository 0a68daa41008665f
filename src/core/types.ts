/**
 * The data pve-clonebot passes between its parts: a clone request, its progress, its result and, on
 * failure, a diagnosis a person can act on. Pure data, no behaviour: shared by core, clone, jobs and slack.
 */

import type { IpSetting } from './ip-setting.ts';
import type { LeaseSpec } from './lease.ts';

/** How the user named the template: a VMID (>= 100), a base id 0–99 (node-specific scheme), or a name. */
export type TemplateRef =
  | { kind: 'vmid'; vmid: number }
  | { kind: 'base'; base: number }
  | { kind: 'name'; name: string };

export type CloneMode = 'full' | 'linked';

/** What becomes of the VM after the clone (issue 10): started, set up by cloud-init, leased. */
export interface VmSetup {
  /** Start it once cloned and wait (bounded) for its guest agent to report addresses. */
  start?: boolean;
  /** cloud-init `ciuser`. */
  ciUser?: string;
  /** `sshkey`: put the requester's stored key in; `sshKeys` carries it once the request is made. */
  sshKey?: boolean;
  sshKeys?: string[];
  /** cloud-init `ipconfig0`. */
  ip?: IpSetting;
  /** How long the VM may live; the sweep stops and deletes it after. */
  lease?: LeaseSpec;
}

/** A parsed, syntactically valid clone request (`112 as test-clone on pve1 full storage local-lvm`). */
export interface CloneRequest {
  template: TemplateRef;
  /** The new VM's name; a valid DNS name. */
  name: string;
  /** The node the template is on and the clone is started from. */
  node: string;
  mode: CloneMode;
  /** Node the new VM ends on (only when every disk is on shared storage). */
  target?: string;
  storage?: string;
  pool?: string;
  /** A requested VMID for the new VM; otherwise /cluster/nextid. */
  vmid?: number;
  description?: string;
  /** Start, cloud-init and lease options; absent = today's clone-only behaviour. */
  setup?: VmSetup;
}

export type ClonePhase =
  | 'verifying-template'
  | 'allocating-vmid'
  | 'starting'
  | 'cloning'
  | 'finishing'
  | 'verifying-clone'
  /** The last attempt met a storage lock timeout (Proxmox removed it); the job waits, then clones again. */
  | 'waiting-to-retry';

/** One progress report, emitted every PROGRESS_INTERVAL_SECONDS and at each phase change. */
export interface CloneProgress {
  phase: ClonePhase;
  elapsedMs: number;
  timeoutMs: number;
  newVmid?: number;
  upid?: string;
  /** The disk being copied (`scsi0`) when the task log names it. */
  disk?: string;
  /** Disks done / disks in total, when known. */
  diskIndex?: number;
  diskCount?: number;
  percent?: number;
  bytesDone?: number;
  bytesTotal?: number;
  /** Remaining time estimated from the copy rate, when percent is known. */
  etaMs?: number;
  /** With 'waiting-to-retry': which attempt comes next, of how many, when (epoch ms) and in how long, and why. */
  retry?: { attempt: number; of: number; at: number; inMs: number; why: string };
  /** The log-style line, e.g. `VM 200 still cloning... (30s / 900s)`. */
  message: string;
}

/**
 * Where a clone is, saved before each next step so a restarted worker resumes the same Proxmox task
 * instead of cloning again.
 */
export interface CloneCheckpoint {
  step: 'verified' | 'allocated' | 'started' | 'completed';
  templateVmid?: number;
  templateNode?: string;
  newVmid?: number;
  upid?: string;
  startedAt?: number;
}

export type FailureReason =
  | 'invalid-request'
  | 'unknown-node'
  | 'node-offline'
  | 'template-not-found'
  | 'not-a-template'
  | 'template-missing-disk'
  | 'template-locked'
  | 'name-taken'
  | 'vmid-taken'
  | 'storage-invalid'
  | 'permission-denied'
  | 'clone-rejected'
  | 'storage-lock-timeout'
  | 'task-failed'
  | 'cancelled'
  | 'timeout'
  | 'clone-missing-disk'
  | 'proxmox-unreachable'
  /** The job running the clone was lost (stalled past BullMQ's limit, or removed) before a result. */
  | 'worker-lost';

/** What went wrong, why, and what to do: the why first, then the evidence. */
export interface Diagnosis {
  reason: FailureReason;
  /** One line, the why: `Template 112 is missing boot disk - template may be corrupted`. */
  summary: string;
  /** What a person can do next, most useful first. */
  advice: string[];
  /** Task exit status as Proxmox reported it (`clone failed: …`, `interrupted by signal`). */
  taskExitStatus?: string;
  /** The last task-log lines. */
  taskLogTail?: string[];
  /** The new VM's final config, or 'removed' when Proxmox deleted it (the failed-clone cleanup). */
  newVmConfig?: Record<string, string | number> | 'removed';
  /** What the template check found (`boot disk scsi0`, `no boot disk`, …). */
  templateCheck?: string;
  /** The target storage's state (`local-lvm: active, 120.0 GiB free`). */
  storage?: string;
  /**
   * A VM left behind that a person should look at or delete. `requestId`: the clone was POSTed with a
   * description naming this request, so the VM must still name it to be deleted (absent: an older record).
   */
  leftover?: { vmid: number; node: string; lock?: string; requestId?: string };
}

/** What became of the VM after the clone: owner record, cloud-init, start, guest agent and addresses. */
export interface VmReadiness {
  /** Tags and description (the ownership record) written on the VM. */
  owned: boolean;
  ownError?: string;
  /** When the lease ends (absent: no lease). */
  expiresAt?: number;
  /** cloud-init options: written, the template has no cloud-init drive, or Proxmox refused them. */
  cloudInit?: 'applied' | 'no-drive' | 'failed';
  cloudInitError?: string;
  /** The qmstart task: it ran, failed (its exit status in startError), or did not end in time. */
  start?: 'started' | 'failed' | 'timeout';
  startError?: string;
  /** The guest agent: answered, not in the config, never answered within the wait, or another error. */
  agent?: 'answered' | 'not-configured' | 'no-answer' | 'error';
  /** With 'not-configured': the option is there but off (`agent: 0`, `enabled=0`), not missing. */
  agentOff?: true;
  agentError?: string;
  agentWaitedMs?: number;
  ipv4?: string[];
  ipv6?: string[];
}

export interface CloneSuccess {
  ok: true;
  vmid: number;
  name: string;
  node: string;
  mode: CloneMode;
  storage?: string;
  pool?: string;
  templateVmid: number;
  bootDisk: string;
  durationMs: number;
  upid: string;
  /** N from `WARNINGS: N` (a success with warnings). */
  warnings?: number;
  /** After the clone: owner, cloud-init, start, addresses (issue 10); absent for results saved before it. */
  vm?: VmReadiness;
}

export interface CloneFailure {
  ok: false;
  diagnosis: Diagnosis;
  templateVmid?: number;
  vmid?: number;
  upid?: string;
  durationMs: number;
}

export type CloneResult = CloneSuccess | CloneFailure;
