import type { KnownBlock } from '@slack/types';
import type { LeftoverDeletion } from '../../clone/delete-leftover-vm.ts';
import type { Diagnosis } from '../../core/types.ts';
import type { CloneRequestRecord } from '../../requests/types.ts';
import { SLACK_IDS } from '../slack-ids.ts';
import { slackDate } from './request-fields.ts';
import { escapeMrkdwn, SLACK_LIMITS, truncate } from './slack-limits.ts';

type Leftover = NonNullable<Diagnosis['leftover']>;

const plain = (text: string, max: number) => ({ type: 'plain_text' as const, text: truncate(text, max) });

/**
 * The failure reply's part about a VM left behind: what and where, then a danger "Delete VM N" button with a
 * confirm dialog (value = the request id only), or who deleted it once that happened.
 */
export function renderLeftoverBlocks(
  record: CloneRequestRecord,
  leftover: Leftover,
  vmUrl: string,
): KnownBlock[] {
  const { vmid } = leftover;
  const node = escapeMrkdwn(leftover.node);
  const lock = leftover.lock !== undefined ? ` (lock: \`${escapeMrkdwn(leftover.lock)}\`)` : '';
  const deleted = record.leftoverDeleted;
  if (deleted !== undefined && deleted.vmid === vmid) {
    return [
      section(
        `:wastebasket: VM ${vmid} that this clone left behind on ${node} was deleted by <@${deleted.by}> ${slackDate(deleted.at)}.`,
      ),
    ];
  }
  return [
    section(
      `:warning: *VM ${vmid} was left behind on ${node}*${lock}. Look at it in <${vmUrl}|the Proxmox web UI>; ` +
        'an approver can delete it here once no task holds it.',
    ),
    {
      type: 'actions',
      block_id: 'leftover',
      elements: [
        {
          type: 'button',
          action_id: SLACK_IDS.deleteVm,
          text: plain(`Delete VM ${vmid}`, SLACK_LIMITS.buttonText),
          style: 'danger',
          value: record.id,
          confirm: {
            title: plain(`Delete VM ${vmid}?`, 100),
            text: {
              type: 'mrkdwn',
              text: truncate(
                `This destroys VM ${vmid} (\`${escapeMrkdwn(record.request.name)}\`) on ${node} and its disks. ` +
                  'It cannot be undone. A locked VM or a template is never touched.',
                300,
              ),
            },
            confirm: plain('Delete', 30),
            deny: plain('Keep it', 30),
            style: 'danger',
          },
        },
      ],
    },
  ];
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) } };
}

/** Where a deletion's outcome goes: refusals only to the clicker, what happened to the VM to the thread. */
export interface DeletionNotice {
  audience: 'clicker' | 'thread';
  text: string;
}

/** The words for a deletion's outcome; `by` is the clicker, `node`/`vmid`/`name` the leftover VM's. */
export function renderLeftoverDeletion(
  outcome: LeftoverDeletion,
  vm: { vmid: number; node: string; name: string; by: string },
): DeletionNotice {
  const id = vm.vmid;
  const node = escapeMrkdwn(vm.node);
  const never = 'I never break a Proxmox lock';
  const refuse = (text: string): DeletionNotice => ({ audience: 'clicker', text });
  switch (outcome.kind) {
    case 'gone':
      return refuse(`VM ${id} no longer exists on ${node}: it is already gone, nothing to delete.`);
    case 'template':
      return refuse(`VM ${id} on ${node} is a template now: I never delete templates.`);
    case 'name-mismatch':
      return refuse(
        `VM ${id} on ${node} is ${outcome.actual !== undefined ? `named \`${escapeMrkdwn(outcome.actual)}\`` : 'unnamed'}, ` +
          `not \`${escapeMrkdwn(vm.name)}\`: it is not the VM this request left behind, so I will not delete it.`,
      );
    case 'not-ours':
      return refuse(
        `VM ${id} on ${node} ` +
          (outcome.other !== undefined
            ? `belongs to request \`${escapeMrkdwn(outcome.other)}\` (its Proxmox notes say so)`
            : 'does not carry this request in its Proxmox notes, which its clone wrote') +
          ': it is not the VM this request left behind, so I will not delete it.',
      );
    case 'protected':
      return refuse(`${escapeMrkdwn(outcome.reason)}.`);
    case 'clone-succeeded':
      return refuse(
        `The clone task of VM ${id} ended ${escapeMrkdwn(outcome.exitstatus)} after all: VM ${id} on ${node} ` +
          'may be a good, complete VM, so I will not delete it. Look at it in the Proxmox web UI.',
      );
    case 'task-gone':
      return refuse(
        `Proxmox no longer knows the clone task of VM ${id}${outcome.upid !== undefined ? ` (\`${escapeMrkdwn(outcome.upid)}\`)` : ''}, ` +
          'so I cannot tell whether it failed or finished late: check VM ' +
          `${id} in the Proxmox web UI and delete it there if it is a leftover.`,
      );
    case 'clone-running':
      return refuse(
        `The clone task of VM ${id} is still running (finishing): wait for it to end, then click again.`,
      );
    case 'task-unreadable':
      return refuse(
        `I could not read the state of VM ${id}'s clone task (${escapeMrkdwn(truncate(outcome.detail, 300))}), so I ` +
          'will not delete it yet: try again in a moment.',
      );
    case 'locked':
      return refuse(lockedText(outcome, id, node, never));
    case 'deleted':
      return {
        audience: 'thread',
        text:
          `:wastebasket: <@${vm.by}> deleted VM ${id} (\`${escapeMrkdwn(vm.name)}\`) on ${node}` +
          (outcome.upid !== undefined ? ` (task \`${escapeMrkdwn(outcome.upid)}\`).` : '.'),
      };
    case 'failed':
      return {
        audience: 'thread',
        text:
          `:x: <@${vm.by}> asked to delete VM ${id} on ${node}, but Proxmox said: ` +
          `${escapeMrkdwn(truncate(outcome.message, 1500))}`,
      };
  }
}

function lockedText(
  o: Extract<LeftoverDeletion, { kind: 'locked' }>,
  id: number,
  node: string,
  never: string,
): string {
  const lock = escapeMrkdwn(o.lock);
  switch (o.holder) {
    case 'running-clone':
      return (
        `VM ${id} is still locked (${lock}) by a running task; ${never}: stop the task first ` +
        '(Datacenter → Tasks) or wait for it to end, then click again.'
      );
    case 'dead-clone':
      return (
        `VM ${id} still has a \`lock: ${lock}\` stub left by its clone task, which is no longer running` +
        `${o.exitstatus !== undefined ? ` (it ended: ${escapeMrkdwn(truncate(o.exitstatus, 200))})` : ''}. ` +
        `Removing a lock is a person's decision, so I will not: check VM ${id} in the Proxmox web UI, then on ` +
        `${node} run \`qm unlock ${id}\` and then \`qm destroy ${id}\`.`
      );
    case 'other':
      return `VM ${id} is locked (${lock}) by another operation; ${never}: wait for it to end, then click again.`;
    case 'unknown':
      return (
        `VM ${id} is locked (${lock}) and I cannot tell whether its clone task still runs` +
        `${o.detail !== undefined ? ` (${escapeMrkdwn(truncate(o.detail, 300))})` : ''}; ${never}: check ` +
        'Datacenter → Tasks, then click again.'
      );
  }
}
