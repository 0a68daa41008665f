import type { WebClient } from '@slack/web-api';
import { HOME_RECENT_LIMIT, renderHomeView } from './messages/home-view.ts';
import type { SlackServices } from './slack-services.ts';
import { listVms } from './vm-actions.ts';

/**
 * Publishes `userId`'s App Home tab from the store: their recent requests and, when they are an approver
 * (the cached group list is enough to show; every click is checked afresh), the requests waiting for a
 * decision. Best effort: a failure is logged, never thrown, since the tab is only a view of the store.
 */
export async function publishHome(
  s: SlackServices,
  client: WebClient,
  userId: string,
  notice?: string,
): Promise<boolean> {
  try {
    const [recent, approver] = await Promise.all([
      s.store.listByUser(userId, HOME_RECENT_LIMIT),
      s.membership.check(s.config.approvers, userId),
    ]);
    const now = s.clock.now();
    // Past its expiry a pending request can no longer be approved: the sweeper just has not flipped it yet.
    const pending =
      approver === 'yes'
        ? (await s.store.listByStatus('pending')).filter((r) => r.expiresAt > now)
        : undefined;
    // The VMs are read from Proxmox (the VM is the record); a Proxmox hiccup leaves them out, not the tab.
    const vms =
      s.vmLifecycle === undefined ? undefined : await listVms(s, userId, false).catch(() => undefined);
    const view = renderHomeView({
      ...(vms?.ok ? { vms: vms.rows } : {}),
      recent,
      now,
      viewerId: userId,
      ...(pending !== undefined ? { pending } : {}),
      ...(approver === 'unknown' ? { approverUnknown: true } : {}),
      ...(notice !== undefined ? { notice } : {}),
    });
    await client.views.publish({ user_id: userId, view });
    return true;
  } catch (err) {
    s.logger.warn({ user: userId, err: String(err) }, 'could not publish the App Home tab');
    return false;
  }
}
