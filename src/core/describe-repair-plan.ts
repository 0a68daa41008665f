import type { RepairPlan, RepairStep } from './repair-types.ts';

/** One step in words, e.g. `full clone of template 9105 on pve1 into VM 9205 (stays on pve1)`. */
export function describeRepairStep(step: RepairStep): string {
  switch (step.kind) {
    case 'destroy':
      return `destroy the broken copy ${step.vmid} on ${step.node} (confirmed by an approver)`;
    case 'clone':
      return step.target === undefined
        ? `full clone of template ${step.vmid} on ${step.node} into VM ${step.newid} (stays on ${step.node})`
        : `full clone of template ${step.vmid} on ${step.node} into VM ${step.newid} on ${step.target} (target ${step.target})`;
    case 'migrate':
      return `offline migration of VM ${step.vmid} from ${step.node} to ${step.target}, disks to ${step.targetstorage} (with-local-disks)`;
    case 'template':
      return `convert VM ${step.vmid} on ${step.node} to a template`;
  }
}

/** The plan as lines a person reads before approving it (CLI `--dry-run`, Slack). */
export function describeRepairPlan(plan: RepairPlan): string[] {
  const src = plan.source;
  const lines = [
    `Repair of base ${plan.base} on ${plan.node}: template ${plan.targetVmid} on ${plan.targetStorage}`,
    `source: template ${src.vmid}${src.name === undefined ? '' : ` '${src.name}'`} on ${src.node} (healthy${src.digest === undefined ? '' : `, config digest ${src.digest.slice(0, 12)}`})`,
    `storage: ${plan.shared ? `shared (${plan.targetStorage}), cloned straight to ${plan.node}` : `node-local, copied to ${plan.targetStorage} on ${plan.node} by an offline migration`}`,
  ];
  if (plan.replaces)
    lines.push(
      `replaces: template ${plan.replaces.vmid} on ${plan.node} (${plan.replaces.problems.join('; ') || 'drifted'})`,
    );
  plan.steps.forEach((s, i) => {
    lines.push(`step ${i + 1}/${plan.steps.length}: ${describeRepairStep(s)}`);
  });
  if (plan.otherSources.length > 0)
    lines.push(`other healthy copies: ${plan.otherSources.map((s) => `${s.vmid} on ${s.node}`).join(', ')}`);
  return lines;
}
