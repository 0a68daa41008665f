import { describeRepairPlan } from '../../core/describe-repair-plan.ts';
import type { RepairPlan, RepairProgress, RepairRefusal, RepairResult } from '../../core/repair-types.ts';
import { escapeMrkdwn, truncate } from './slack-limits.ts';
import type { SlackMessage } from './slack-message.ts';

const section = (text: string) => ({
  type: 'section' as const,
  text: { type: 'mrkdwn' as const, text: truncate(text, 2900) },
});

/** The repair's message while it runs: who asked, the plan, and the step now. */
export function renderRepairProgress(plan: RepairPlan, by: string, progress?: RepairProgress): SlackMessage {
  const head = `:hammer_and_wrench: Repairing base ${plan.base} on ${escapeMrkdwn(plan.node)} (template ${plan.targetVmid}), asked by <@${by}>`;
  const now = progress === undefined ? 'waiting for a slot on its nodes' : escapeMrkdwn(progress.message);
  return {
    text: `Repairing base ${plan.base} on ${plan.node}: ${progress?.message ?? 'queued'}`,
    blocks: [
      section(head),
      section(
        describeRepairPlan(plan)
          .map((l) => `• ${escapeMrkdwn(l)}`)
          .join('\n'),
      ),
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: truncate(`:hourglass_flowing_sand: ${now}`, 1900) }],
      },
    ],
  };
}

/** The result, like a clone's: the new template, or the failed step with Proxmox's error and what is left. */
export function renderRepairOutcome(result: RepairResult, by: string): SlackMessage {
  if (result.ok) {
    const text = `:white_check_mark: Repaired: template ${result.vmid} on ${escapeMrkdwn(result.node)} (base ${result.base}${result.bootDisk === undefined ? '' : `, boot disk ${result.bootDisk}`}) for <@${by}>. The next health check shows it.`;
    return { text: `Repaired template ${result.vmid} on ${result.node}`, blocks: [section(text)] };
  }
  const where =
    result.step === undefined
      ? ''
      : ` at step ${result.step.index} (${escapeMrkdwn(result.step.description)})`;
  const lines = [
    `:x: Repair of base ${result.base} on ${escapeMrkdwn(result.node)} failed${where}: ${escapeMrkdwn(result.error)}`,
  ];
  if (result.proxmoxError !== undefined) lines.push(`*Proxmox:* \`${escapeMrkdwn(result.proxmoxError)}\``);
  lines.push(`*Left behind:* ${escapeMrkdwn(result.leftBehind)}`);
  const blocks: SlackMessage['blocks'] = [section(lines.join('\n'))];
  if (result.taskLogTail?.length)
    blocks.push(section(`\`\`\`${truncate(result.taskLogTail.join('\n'), 2800).replace(/`/g, "'")}\`\`\``));
  return { text: `Repair of base ${result.base} on ${result.node} failed`, blocks };
}

/** Why no repair started (to the asker only): the plan's refusal and its details. */
export function renderRepairRefusal(refusal: RepairRefusal, hint?: string): SlackMessage {
  const lines = [
    `:no_entry: ${escapeMrkdwn(refusal.message)}`,
    ...refusal.details.map((d) => `• ${escapeMrkdwn(d)}`),
  ];
  if (hint !== undefined) lines.push(hint);
  return { text: refusal.message, blocks: [section(lines.join('\n'))] };
}
