import { describeReadiness } from '../core/describe-readiness.ts';
import { failureHeadline } from '../core/failure-headline.ts';
import { formatDuration } from '../core/format.ts';
import type { CloneResult, Diagnosis } from '../core/types.ts';

/** A diagnosis as text: the why first (a headline saying failed or cancelled), the evidence, what to do. */
export function renderDiagnosis(d: Diagnosis): string[] {
  const lines = [failureHeadline(d), `  reason: ${d.reason}`];
  if (d.taskExitStatus !== undefined) lines.push(`  task exit status: ${d.taskExitStatus}`);
  if (d.taskLogTail && d.taskLogTail.length > 0) {
    lines.push('  last task log lines:', ...d.taskLogTail.map((l) => `    ${l}`));
  }
  if (d.newVmConfig === 'removed') lines.push('  new VM: removed by Proxmox (a failed clone is cleaned up)');
  else if (d.newVmConfig !== undefined) {
    lines.push('  new VM config:', ...Object.entries(d.newVmConfig).map(([k, v]) => `    ${k}: ${v}`));
  }
  if (d.templateCheck !== undefined) lines.push(`  template check: ${d.templateCheck}`);
  if (d.storage !== undefined) lines.push(`  storage: ${d.storage}`);
  if (d.leftover) {
    const lock = d.leftover.lock === undefined ? '' : `, lock ${d.leftover.lock}`;
    lines.push(`  left behind: VM ${d.leftover.vmid} on ${d.leftover.node}${lock}`);
  }
  if (d.advice.length > 0) lines.push('What to do:', ...d.advice.map((a) => `  - ${a}`));
  return lines;
}

/** The final lines of `pve-clonebot clone`. */
export function renderCloneResult(r: CloneResult): string[] {
  if (!r.ok) return renderDiagnosis(r.diagnosis);
  const parts = [`${r.mode} clone`, `boot disk ${r.bootDisk}`];
  if (r.storage !== undefined) parts.push(`storage ${r.storage}`);
  if (r.pool !== undefined) parts.push(`pool ${r.pool}`);
  if (r.warnings !== undefined)
    parts.push(`${r.warnings} warning${r.warnings === 1 ? '' : 's'} (see the task log)`);
  return [
    `Cloned template ${r.templateVmid} to VM ${r.vmid} (${r.name}) on ${r.node} in ${formatDuration(r.durationMs)}: ${parts.join(', ')}`,
    `  task: ${r.upid}`,
    ...describeReadiness(r.vmid, r.vm).map((l) => `  ${l}`),
  ];
}

/** `clone --json`: the result with its lease end as an ISO time, as `list --json` writes it (not epoch ms). */
export function cloneResultJson(r: CloneResult): unknown {
  if (!r.ok || r.vm?.expiresAt === undefined) return r;
  return { ...r, vm: { ...r.vm, expiresAt: new Date(r.vm.expiresAt).toISOString() } };
}
