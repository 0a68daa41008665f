import type { CloneErrorClass } from './clone-error.ts';
import type { StorageInfo } from './storage-types.ts';
import type { CloneRequest, FailureReason } from './types.ts';
import type { VmConfig } from './vm-types.ts';

/** Everything known when a clone fails; diagnose() turns it into a Diagnosis. All fields but reason optional. */
export interface DiagnosisEvidence {
  reason: FailureReason;
  request?: CloneRequest;
  /** The node the template is on (and the task runs on). */
  node?: string;
  templateVmid?: number;
  newVmid?: number;
  upid?: string;
  taskExitStatus?: string;
  /** The task's state when the evidence was taken (`running` at a timeout). */
  taskState?: 'running' | 'stopped' | 'unknown';
  taskLog?: readonly string[];
  newVmConfig?: VmConfig | 'removed';
  templateConfig?: VmConfig;
  /** A template check already worded by the caller; otherwise derived from templateConfig. */
  templateCheck?: string;
  storage?: StorageInfo;
  elapsedMs?: number;
  timeoutMs?: number;
  /** A lock still held (on the new VM, or the template) and, when known, who holds it (a task, a user). */
  lock?: { kind: string; holder?: string };
  /** An error message (Proxmox's, or a network error) when there is no task exit status. */
  message?: string;
  /** A refused clone POST, classified by classifyCloneError. */
  cloneError?: CloneErrorClass;
  /** The VM that already has the requested name or VMID. */
  conflict?: { vmid: number; node: string; name?: string };
  /** Nodes of the cluster (for an unknown node). */
  knownNodes?: readonly string[];
  /** Whether the request was cancelled before anything was sent to Proxmox. */
  cancelledBeforeStart?: boolean;
}
