import { describeDisk, inspectDisks } from './boot-disk.ts';
import { condenseTaskLog } from './condense-task-log.ts';
import type { DiagnosisEvidence } from './diagnosis-evidence.ts';
import { explainFailure } from './explain-failure.ts';
import { formatBytes } from './format.ts';
import type { StorageInfo } from './storage-types.ts';
import { LOG_TAIL_LINES } from './task-progress.ts';
import type { Diagnosis } from './types.ts';
import type { VmConfig } from './vm-types.ts';

/** Config keys whose values are secrets (cloud-init password, keys): never shown. */
const SECRET_KEYS = /^(cipassword|sshkeys)$/i;

/**
 * Builds the Diagnosis of a failed clone: the why first (summary), then advice a person can act on, then
 * the evidence (exit status, log tail ≤ 20 lines with progress runs condensed, the new VM's config or
 * 'removed', template check, storage).
 */
export function diagnose(e: DiagnosisEvidence): Diagnosis {
  const { summary, advice } = explainFailure(e);
  const d: Diagnosis = { reason: e.reason, summary, advice };
  if (e.taskExitStatus !== undefined) d.taskExitStatus = e.taskExitStatus;
  const tail = logTail(e.taskLog);
  if (tail.length > 0) d.taskLogTail = tail;
  if (e.newVmConfig !== undefined)
    d.newVmConfig = e.newVmConfig === 'removed' ? 'removed' : redact(e.newVmConfig);
  const check = e.templateCheck ?? (e.templateConfig ? describeTemplateCheck(e.templateConfig) : undefined);
  if (check !== undefined) d.templateCheck = check;
  if (e.storage) d.storage = describeStorage(e.storage);
  const leftover = findLeftover(e);
  if (leftover) d.leftover = leftover;
  return d;
}

/** The last LOG_TAIL_LINES lines, progress runs condensed to their last line, without `no content`. */
export function logTail(lines: readonly string[] | undefined): string[] {
  // Proxmox's placeholders for an empty log and a log it cannot find (pve-common dump_logfile) are no evidence.
  const real = (lines ?? []).filter((l) => l !== 'no content' && !/^unable to open file - /.test(l));
  return condenseTaskLog(real).slice(-LOG_TAIL_LINES);
}

/** `boot disk scsi0 (local-lvm:base-112-disk-0, 32.0 GiB)` or what is missing. */
export function describeTemplateCheck(config: VmConfig): string {
  const inspection = inspectDisks(config);
  const boot = inspection.disks.find((d) => d.key === inspection.bootDisk?.key);
  const problems = inspection.problems.map((p) => p.message);
  if (!boot) return problems.join('; ') || 'no boot disk';
  return [`boot disk ${describeDisk(boot)}`, ...problems].join('; ');
}

/** `local-lvm (lvmthin): active, 120.0 GiB free of 500.0 GiB`. */
export function describeStorage(s: StorageInfo): string {
  const state = !s.enabled
    ? s.unavailable?.reason === 'not-on-node'
      ? `not on this node (only ${s.unavailable.nodes.join(', ')})`
      : s.unavailable?.reason === 'disabled'
        ? 'disabled'
        : 'not enabled on this node'
    : s.active
      ? 'active'
      : 'inactive';
  const free =
    s.avail === undefined
      ? ''
      : `, ${formatBytes(s.avail)} free${s.total ? ` of ${formatBytes(s.total)}` : ''}`;
  return `${s.storage} (${s.type}${s.shared ? ', shared' : ''}): ${state}${free}`;
}

function redact(config: VmConfig): VmConfig {
  const out: VmConfig = {};
  for (const [k, v] of Object.entries(config)) out[k] = SECRET_KEYS.test(k) ? '(hidden)' : v;
  return out;
}

function findLeftover(e: DiagnosisEvidence): Diagnosis['leftover'] {
  if (e.newVmid === undefined || e.newVmConfig === undefined || e.newVmConfig === 'removed') return undefined;
  if (
    e.reason !== 'timeout' &&
    e.reason !== 'clone-missing-disk' &&
    e.reason !== 'task-failed' &&
    e.reason !== 'cancelled'
  ) {
    return undefined;
  }
  // A failed or unfinished clone's config is still on the source node; only a finished one moved to target.
  const source = e.node ?? e.request?.node;
  const node = e.reason === 'clone-missing-disk' ? (e.request?.target ?? source) : source;
  if (node === undefined) return undefined;
  const lock = e.newVmConfig.lock;
  return lock === undefined ? { vmid: e.newVmid, node } : { vmid: e.newVmid, node, lock: String(lock) };
}
