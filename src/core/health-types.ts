import type { DiskProblemCode } from './boot-disk.ts';
import type { StorageInfo } from './storage-types.ts';
import type { VmConfig } from './vm-types.ts';

/** error: clones fail or give a broken VM; warning: works but needs a look; info: for the record. */
export type Severity = 'error' | 'warning' | 'info';

export type FindingCode =
  | DiskProblemCode
  | 'not-a-template'
  | 'template-locked'
  | 'lock-stuck'
  | 'lock-busy'
  | 'storage-missing'
  | 'storage-disabled'
  | 'storage-inactive'
  | 'storage-full'
  | 'cloudinit-missing'
  | 'vmid-wrong-node'
  | 'vmid-outside-scheme'
  | 'copy-missing'
  | 'copy-drift-disk-size'
  | 'copy-drift-ostype'
  | 'node-offline'
  | 'node-id-missing';

/** One problem with its fix, a concrete sentence (`recreate template 9205 on pve2 from base 5: …`). */
export interface Finding {
  /** Stable across runs for the same problem (`pve2/9205/disk-only-unused`): alerts compare these. */
  id: string;
  severity: Severity;
  code: FindingCode;
  message: string;
  fix: string;
  node?: string;
  vmid?: number;
  base?: number;
}

/** One template as the health check sees it. `lockSince`: when its lock was first seen, if known. */
export interface HealthTemplateInput {
  vmid: number;
  name?: string;
  config: VmConfig;
  lock?: string;
  lockSince?: number;
}

export interface HealthNodeInput {
  node: string;
  online: boolean;
  templates: HealthTemplateInput[];
  storages: StorageInfo[];
}

export interface HealthInput {
  nodes: HealthNodeInput[];
  nodeIds: ReadonlyMap<string, number>;
  thresholds: { lockStuckMs: number };
}

export interface TemplateHealth {
  node: string;
  vmid: number;
  name?: string;
  /** The base id, when the VMID conforms to the node-specific scheme for its node. */
  base?: number;
  bootDisk?: string;
  findings: Finding[];
  /** No error or warning finding. */
  healthy: boolean;
}

export interface NodeHealth {
  node: string;
  online: boolean;
  nodeId?: number;
  templates: TemplateHealth[];
  /** Node-level findings: offline, no node id, missing copies of a base. */
  findings: Finding[];
  /** Offline node: the VMIDs of its templates as last seen online (not checked now). */
  knownTemplates?: number[];
}

export interface HealthSummary {
  templates: number;
  healthy: number;
  withProblems: number;
  errors: number;
  warnings: number;
  missingCopies: number;
  nodesOnline: number;
  nodesOffline: string[];
  /** Nothing broken: no error or warning anywhere (offline nodes and info do not count). */
  ok: boolean;
}

export interface HealthReport {
  checkedAt: number;
  nodes: NodeHealth[];
  summary: HealthSummary;
  /** What the check could not see or had to assume (node ids derived, a config unreadable, lock ages unknown). */
  notes?: string[];
}
