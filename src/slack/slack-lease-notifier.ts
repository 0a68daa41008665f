import type { WebClient } from '@slack/web-api';
import { formatInstant } from '../core/lease.ts';
import type { Logger } from '../logger.ts';
import type { LeaseNotifier } from '../vm/types.ts';
import { renderLeaseExpiring, renderLeaseNotice } from './messages/vm-messages.ts';

/** Slack user ids (`U…`, `W…`): owners from the CLI (`cli:alice`) get no DM, only the audit log. */
const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;

/** Whether an owner id is a Slack user, who can be DMed (the CLI's `cli:alice` cannot). */
export const isSlackUserId = (id: string): boolean => SLACK_USER.test(id);

/** Who did it, as the owner reads it: a Slack user as a mention (shown as their name), anyone else as given. */
const who = (by: string) => (SLACK_USER.test(by) ? `<@${by}>` : by);

/** Lease events as DMs to the VM's owner (chat.postMessage to a user id opens the bot's DM with them). */
export function createSlackLeaseNotifier(client: WebClient, logger: Logger): LeaseNotifier {
  /**
   * True when the DM went out, false for an owner who is not a Slack user; Slack's failure is thrown, so the
   * sweep can offer a warning or refusal again instead of remembering it as told.
   */
  const send = async (userId: string | undefined, message: { text: string; blocks: unknown[] }) => {
    if (userId === undefined || !SLACK_USER.test(userId)) return false;
    await client.chat.postMessage({ channel: userId, ...(message as { text: string; blocks: never[] }) });
    return true;
  };
  /** A DM nobody sends again (an expiry, extension or deletion: the audit log has it): a failure is logged. */
  const dm = async (userId: string | undefined, message: { text: string; blocks: unknown[] }) => {
    await send(userId, message).catch((err: unknown) =>
      logger.warn({ user: userId, err: String(err) }, 'could not DM the VM owner'),
    );
  };
  return {
    expiring: (vm, maxExpiresAt) => send(vm.ownership.ownerId, renderLeaseExpiring(vm, maxExpiresAt)),
    expired: (vm, outcome) =>
      dm(
        vm.ownership.ownerId,
        renderLeaseNotice(
          ':wastebasket:',
          `VM ${vm.vmid} (${vm.name ?? 'unnamed'}) on ${vm.node}: ${outcome}.`,
        ),
      ),
    extended: (vm, at, by) =>
      dm(
        vm.ownership.ownerId,
        renderLeaseNotice(
          ':hourglass:',
          `VM ${vm.vmid} (${vm.name ?? 'unnamed'}): lease extended to ${formatInstant(at)}${by === vm.ownership.ownerId ? '' : ` by ${who(by)}, an approver`}.`,
        ),
      ),
    deleted: (vm, by) =>
      dm(
        vm.ownership.ownerId,
        renderLeaseNotice(
          ':wastebasket:',
          `VM ${vm.vmid} (${vm.name ?? 'unnamed'}) on ${vm.node} was stopped and deleted${by === vm.ownership.ownerId ? '' : ` by ${who(by)}`}.`,
        ),
      ),
    refused: (vm, reason, ownerId) =>
      send(ownerId, renderLeaseNotice(':warning:', `VM ${vm.vmid} on ${vm.node}: ${reason}`)),
  };
}
