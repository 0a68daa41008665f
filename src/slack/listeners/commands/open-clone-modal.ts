import type { WebClient } from '@slack/web-api';
import { renderCloneModal } from '../../messages/clone-modal.ts';
import type { SlackServices } from '../../slack-services.ts';
import { mayRequest, REQUESTERS_UNKNOWN } from '../../submit-request.ts';

/**
 * `/clone` alone: opens the form at once with a loading notice (the trigger_id dies after 3 s, before any
 * Proxmox call could answer), then fills in the online nodes.
 */
export async function openCloneModal(
  s: SlackServices,
  client: WebClient,
  triggerId: string,
  channelId: string,
  userId: string,
): Promise<void> {
  const opened = await client.views.open({
    trigger_id: triggerId,
    view: renderCloneModal({ channelId, notice: ':hourglass_flowing_sand: Reading the cluster’s nodes…' }),
  });
  const viewId = opened.view?.id;
  if (viewId === undefined) return;
  const update = (view: ReturnType<typeof renderCloneModal>) =>
    client.views.update({ view_id: viewId, ...(opened.view?.hash ? { hash: opened.view.hash } : {}), view });
  const allowed = await mayRequest(s, userId, channelId);
  if (allowed !== 'yes') {
    const notice =
      allowed === 'unknown'
        ? `:warning: ${REQUESTERS_UNKNOWN}`
        : ':no_entry: You are not allowed to request clones here. Ask an admin to add you to CLONE_REQUESTERS.';
    await update(renderCloneModal({ channelId, notice }));
    return;
  }
  try {
    const nodes = (await s.inventory.listNodes())
      .filter((n) => n.status === 'online')
      .map((n) => n.node)
      .sort();
    await update(
      renderCloneModal(
        nodes.length > 0
          ? { channelId, nodes }
          : { channelId, notice: ':warning: No Proxmox node is online right now. Try again later.' },
      ),
    );
  } catch (err) {
    s.logger.warn({ err: String(err) }, 'could not list nodes for the /clone form');
    await update(
      renderCloneModal({
        channelId,
        notice: ':warning: I could not reach Proxmox to list its nodes. Try again later.',
      }),
    );
  }
}
