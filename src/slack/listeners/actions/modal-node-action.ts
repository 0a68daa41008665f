import type { AllMiddlewareArgs, BlockStaticSelectAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { isValidNodeName } from '../../../core/dns-name.ts';
import { parseCloneModalMetadata, renderCloneModal } from '../../messages/clone-modal.ts';
import type { SlackServices } from '../../slack-services.ts';

type Args = SlackActionMiddlewareArgs<BlockStaticSelectAction> & AllMiddlewareArgs;

/** A node picked in the `/clone` form: show that node's templates (with their health) and storages. */
export function modalNodeAction(s: SlackServices) {
  return async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack();
    const view = body.view;
    const meta = parseCloneModalMetadata(view?.private_metadata);
    const node = action.selected_option?.value;
    if (!view || !meta || node === undefined) return;
    const nodes = meta.nodes ?? [node];
    // The value becomes a Proxmox path segment (/nodes/{node}/qemu): only a node the form offered, and only
    // a node name (one DNS label), so '..', '/' or '?' can never reach a path.
    if (!isValidNodeName(node) || !nodes.includes(node)) {
      s.logger.warn({ node: node.slice(0, 80) }, 'the /clone form sent a node it did not offer; ignored');
      await client.views
        .update({
          view_id: view.id,
          view: renderCloneModal({
            channelId: meta.channelId,
            nodes,
            notice: ':warning: That is not one of the online nodes listed. Pick a node from the list.',
          }),
        })
        .catch(() => undefined);
      return;
    }
    let hash: string | undefined = view.hash;
    const update = async (v: ReturnType<typeof renderCloneModal>) => {
      const res = await client.views.update({ view_id: view.id, ...(hash ? { hash } : {}), view: v });
      hash = res.view?.hash;
    };
    try {
      await update(
        renderCloneModal({
          channelId: meta.channelId,
          nodes,
          node,
          notice: `:hourglass_flowing_sand: Reading templates on ${node}…`,
        }),
      );
      const [templates, storages] = await Promise.all([
        s.engine.listTemplates(node),
        s.inventory
          .listStorages(node)
          .then((list) =>
            list
              .filter((st) => st.enabled && st.active && st.content.includes('images'))
              .map((st) => st.storage),
          )
          .catch(() => [] as string[]),
      ]);
      await update(renderCloneModal({ channelId: meta.channelId, nodes, node, templates, storages }));
    } catch (err) {
      // hash_conflict: the user picked another node meanwhile and that newer update wins.
      s.logger.warn({ node, err: String(err) }, 'could not show templates in the /clone form');
      await update(
        renderCloneModal({
          channelId: meta.channelId,
          nodes,
          node,
          notice: `:warning: I could not read the templates on ${node}. Pick the node again or try later.`,
        }),
      ).catch(() => undefined);
    }
  };
}
