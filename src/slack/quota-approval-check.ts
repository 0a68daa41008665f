import { checkQuota } from '../core/quota.ts';
import type { ClonePolicy } from '../core/template-policy.ts';
import type { Logger } from '../logger.ts';
import type { ApprovalCheck } from '../requests/request-service.ts';
import { type QuotaDeps, readQuota, recordedTemplateVmid } from '../vm/read-quota.ts';
import { escapeMrkdwn } from './messages/slack-limits.ts';

/**
 * The quota again at the approver's click (issue 10 item 4): since the request was made, its requester may
 * have more VMs (another template's, made without approval; two requests made at the same moment). Over it:
 * the approver is told with the requester's use, the requester in the thread, and the request stays pending.
 */
export function quotaApprovalCheck(
  deps: QuotaDeps,
  policy: ClonePolicy | undefined,
  logger: Logger,
): ApprovalCheck {
  return async (record) => {
    const templateVmid = recordedTemplateVmid(record);
    if (policy === undefined || templateVmid === undefined) return undefined;
    const ownerId = record.requester.userId;
    let q: Awaited<ReturnType<typeof readQuota>>;
    try {
      q = await readQuota(deps, policy, { ownerId, templateVmid, exclude: record.id });
    } catch (err) {
      logger.warn({ requestId: record.id, err: String(err) }, 'could not read the quota use at approval');
      return {
        approver: `I could not check <@${ownerId}>'s quota with Proxmox just now: nothing changed, try again in a minute.`,
      };
    }
    const line = q && checkQuota(q.policy, q.use, q.newDiskBytes);
    if (q === undefined || line === undefined) return undefined;
    const theirs = checkQuota(q.policy, q.use, q.newDiskBytes, { holder: 'they have' }) ?? line;
    return {
      approver: `Not approved: it would put <@${ownerId}> over the quota. ${escapeMrkdwn(theirs)}. The request stays pending (nothing was queued); <@${ownerId}> was told in its thread.`,
      requester: escapeMrkdwn(line),
    };
  };
}
