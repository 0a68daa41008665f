import type {
  CloneCheckpoint,
  CloneProgress,
  CloneRequest,
  CloneResult,
  Diagnosis,
  TemplateRef,
} from '../core/types.ts';

/** Options for one clone run. */
export interface CloneRunOptions {
  /** Called at each phase change and every PROGRESS_INTERVAL_SECONDS while the clone runs. */
  onProgress?: (progress: CloneProgress) => void | Promise<void>;
  /** Awaited before the next step, so a job can save its step, new VMID and UPID first. */
  onCheckpoint?: (checkpoint: CloneCheckpoint) => Promise<void>;
  /** A checkpoint saved by an earlier (killed) run: resume from it, never send the clone again. */
  resume?: CloneCheckpoint;
  /** Aborting cancels: before the clone starts nothing is sent; while cloning the Proxmox task is stopped. */
  signal?: AbortSignal;
  /**
   * Aborted when this run lost its job to another worker (it was paused past its job lock): the run stops at
   * once and throws the signal's reason. Unlike `signal` it never stops the Proxmox task: the new owner is
   * following that same task.
   */
  lost?: AbortSignal;
  /** Awaited right before the clone is sent: throws when this run no longer owns its job. */
  confirmOwner?: () => Promise<void>;
  /**
   * A template copy (a repair) carries its source's name, which the other copies of the base already have:
   * the name-taken check (for new VMs) is skipped. The VMID must still be free.
   */
  templateCopy?: boolean;
}

/** A template resolved on a node, and what the pre-clone check found. */
export interface ResolvedTemplate {
  vmid: number;
  node: string;
  name?: string;
  bootDisk: string;
}

/** The outcome of checking a request against the live cluster before anything is queued or created. */
export type PreflightResult = { ok: true; template: ResolvedTemplate } | { ok: false; diagnosis: Diagnosis };

/** One template on one node, for pickers (the /clone modal) and reports. */
export interface TemplateSummary {
  vmid: number;
  node: string;
  name?: string;
  bootDisk?: string;
  /** Problems the health rules found; empty when healthy. */
  problems: string[];
}

/** The clone workflow as the CLI, the queue worker and Slack use it. */
export interface CloneEngine {
  /** Checks a request against the cluster (node, template, name, VMID) without creating anything. */
  preflight(request: CloneRequest): Promise<PreflightResult>;
  /** Verifies, allocates, clones once, follows the task to its real end, verifies the clone. Never throws for a clone failure: returns it. */
  cloneVmFromTemplate(request: CloneRequest, options?: CloneRunOptions): Promise<CloneResult>;
  /** Templates on a node (for the modal). */
  listTemplates(node: string): Promise<TemplateSummary[]>;
  /** Resolves a template reference for a node (VMID, base id via the node-specific scheme, or name). */
  resolveTemplate(ref: TemplateRef, node: string): Promise<ResolvedTemplate | Diagnosis>;
}
