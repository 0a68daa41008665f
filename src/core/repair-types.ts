import type { HealthInput, HealthReport } from './health-types.ts';

/** A VM as the plan sees the cluster: enough to tell who holds a VMID. */
export interface RepairVm {
  vmid: number;
  node: string;
  template: boolean;
  name?: string;
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
  | 'needs-confirmation'
  | 'no-target-storage';

/** Why no repair is planned: one line, and the details behind it (each copy and the rule it fails, …). */
export interface RepairRefusal {
  code: RepairRefusalCode;
  message: string;
  details: string[];
}

export type RepairPlanResult = { ok: true; plan: RepairPlan } | { ok: false; refusal: RepairRefusal };
