import { formatDuration } from '../core/format.ts';
import type { RepairRefusal, RepairResult } from '../core/repair-types.ts';

/** A refused repair: the why, then each detail indented (every copy and the rule it fails, …). */
export function renderRepairRefusal(r: RepairRefusal): string[] {
  return [r.message, ...r.details.map((d) => `  ${d}`)];
}

/** A finished repair as lines: the new template, or the failed step, Proxmox's words and what is left. */
export function renderRepairResult(r: RepairResult): string[] {
  if (r.ok)
    return [
      `Repaired: template ${r.vmid} on ${r.node} (base ${r.base}${r.bootDisk === undefined ? '' : `, boot disk ${r.bootDisk}`}) in ${formatDuration(r.durationMs)}`,
    ];
  const lines = [
    r.step === undefined
      ? `Repair of base ${r.base} on ${r.node} failed: ${r.error}`
      : `Repair of base ${r.base} on ${r.node} failed at step ${r.step.index} (${r.step.description}): ${r.error}`,
  ];
  if (r.proxmoxError !== undefined) lines.push(`  Proxmox: ${r.proxmoxError}`);
  for (const l of r.taskLogTail ?? []) lines.push(`  | ${l}`);
  lines.push(`  left behind: ${r.leftBehind}`);
  return lines;
}
