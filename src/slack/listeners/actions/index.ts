import type { App, BlockButtonAction, BlockStaticSelectAction } from '@slack/bolt';
import { SLACK_IDS } from '../../slack-ids.ts';
import type { SlackServices } from '../../slack-services.ts';
import { approveAction } from './approve-action.ts';
import { deleteVmAction } from './delete-vm-action.ts';
import { denyAction } from './deny-action.ts';
import { healthRepairAction } from './health-repair-action.ts';
import { leaseDeleteAction, leaseExtendAction } from './lease-actions.ts';
import { modalNodeAction } from './modal-node-action.ts';

/** Registers the button and select listeners. */
export function registerActions(app: App, s: SlackServices): void {
  app.action<BlockButtonAction>(SLACK_IDS.approve, approveAction(s));
  app.action<BlockButtonAction>(SLACK_IDS.deny, denyAction(s));
  app.action<BlockButtonAction>(SLACK_IDS.deleteVm, deleteVmAction(s));
  app.action<BlockButtonAction>(SLACK_IDS.leaseExtend, leaseExtendAction(s));
  app.action<BlockButtonAction>(SLACK_IDS.leaseDelete, leaseDeleteAction(s));
  // One button per base and node, each with its own action id (`health_repair:5:pve2`).
  app.action<BlockButtonAction>(new RegExp(`^${SLACK_IDS.healthRepair}:`), healthRepairAction(s));
  app.action<BlockStaticSelectAction>(SLACK_IDS.modalNodeAction, modalNodeAction(s));
}
