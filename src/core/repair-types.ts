import type { HealthInput, HealthReport } from './health-types.ts';
import type { CloneCheckpoint } from './types.ts';

/** A VM as the plan sees the cluster: enough to tell who holds a VMID. */
export interface RepairVm {
  vmid: number;
  node: string;
  template: boolean;
  name?: string;
  lock?: string;
}

/** What planRepair decides from: the health check's input and report, every VM, and the approver's confirmation. */
export interface RepairPlanInput {
  base: number;
  node: string;
  health: HealthInput;
  report: HealthReport;
  vms: readonly RepairVm[];
  /** The VMID an approver confirmed may be destroyed and replaced (it must equal the broken copy's VMID). */
  confirmReplace?: number;
  /** Take the source from this node only (a sync spreads its clones over the copies it has made). */
  sourceNode?: string;
}

/** One step of a repair, each a Proxmox task followed to its end. */
export type RepairStep =
  | { kind: 'destroy'; node: string; vmid: number }
  | { kind: 'clone'; node: string; vmid: number; newid: number; name: string; target?: string }
  | { kind: 'migrate'; node: string; vmid: number; target: string; targetstorage: string }
  | { kind: 'template'; node: string; vmid: number };

/** The healthy copy a repair clones from. */
export interface RepairSource {
  node: string;
  vmid: number;
  name?: string;
  /** The config digest the plan was made from: execution refuses a source that changed since. */
  digest?: string;
  /** The config's creation time (`meta: …,ctime=`), seconds; what "newest" compares. */
  ctime?: number;
}

/** A repair decided and ready to show: source, target VMID and storage, and the steps in order. */
export interface RepairPlan {
  base: number;
  node: string;
  targetVmid: number;
  source: RepairSource;
  /** Storage the new copy's disks end on. */
  targetStorage: string;
  /** true: every disk of the source is on storage shared with the node (clone with `target`). */
  shared: boolean;
  /** The broken or drifted copy this repair destroys and replaces (confirmed by an approver). */
  replaces?: { vmid: number; problems: string[] };
  steps: RepairStep[];
  /** Healthy copies not chosen, for the record. */
  otherSources: { node: string; vmid: number }[];
}

export type RepairRefusalCode =
  | 'bad-base'
  | 'unknown-node'
  | 'node-offline'
  | 'node-id-missing'
  | 'unknown-base'
  | 'no-healthy-copy'
  | 'already-healthy'
  | 'vmid-held'
  | 'repair-running'
  | 'needs-confirmation'
  | 'no-target-storage';

/** Why no repair is planned: one line, and the details behind it (each copy and the rule it fails, …). */
export interface RepairRefusal {
  code: RepairRefusalCode;
  message: string;
  details: string[];
}

export type RepairPlanResult = { ok: true; plan: RepairPlan } | { ok: false; refusal: RepairRefusal };

/** One progress report of a running repair: which step, and for the clone step the clone's own progress. */
export interface RepairProgress {
  /** 1-based. */
  step: number;
  steps: number;
  kind: RepairStep['kind'];
  /** `step 2/3: offline migration of VM 9205 from pve1 to pve2 … (running 40s)`. */
  message: string;
  upid?: string;
  elapsedMs: number;
  /** The clone step's percent, when the task log gives it. */
  percent?: number;
}

/** Saved before each next step (and as soon as a task's UPID is known), so a resumed repair never POSTs twice. */
export interface RepairCheckpoint {
  /** Steps fully done (0-based index of the next one). */
  done: number;
  /** The running step's task, once its POST answered. */
  upid?: string;
  /** The running step's POST was sent (maybe without an answer). */
  posted?: boolean;
  /** The clone step's own checkpoint (the clone engine resumes from it). */
  clone?: CloneCheckpoint;
}

/** A repair that ended: the new copy, or which step failed, Proxmox's words and what was left behind. */
export type RepairResult =
  | { ok: true; base: number; node: string; vmid: number; bootDisk?: string; durationMs: number }
  | {
      ok: false;
      base: number;
      node: string;
      vmid: number;
      /** The step that failed (1-based) and what it was; absent when the repair failed before its first step. */
      step?: { index: number; kind: RepairStep['kind']; description: string };
      /** One line: why. */
      error: string;
      /** Proxmox's own error text (task exit status or API message), when there is one. */
      proxmoxError?: string;
      taskLogTail?: string[];
      /** What the cluster holds now because of the repair, and what to do with it. */
      leftBehind: string;
      durationMs: number;
    };
