// The open modal of the current user: inputs keep what was typed across updates; field errors show inline.
import { $, blockCtx, confirmed, post, state, toast } from './page-state.js';
import { h, renderBlocks } from './render-blocks.js';

export async function viewAction(view, el, blockId, value, node) {
  if (!(await confirmed(el))) return;
  node?.classList.add('busy');
  const values = state.modalInput.get(view.id) ?? {};
  await post('action', { viewId: view.id, actionId: el.action_id, blockId, value, values }).finally(() =>
    node?.classList.remove('busy'),
  );
}

export function renderModal() {
  const open = [...state.views.values()].filter(
    (v) => v.type === 'modal' && v.open && v.user === state.currentUser,
  );
  const top = open.at(-1);
  const signature = top ? `${top.id}:${top.hash}:${JSON.stringify(state.modalErrors.get(top.id) ?? {})}` : '';
  if (signature === state.renderedModal) return;
  state.renderedModal = signature;
  if (!top) return $('modal-layer').replaceChildren();
  const input = state.modalInput.get(top.id) ?? {};
  state.modalInput.set(top.id, input);
  const ctx = blockCtx({
    values: input,
    errors: state.modalErrors.get(top.id),
    onInput: (blockId, actionId, value) => {
      input[blockId] = { ...input[blockId], [actionId]: value };
    },
    onAction: (el, blockId, value, node) => viewAction(top, el, blockId, value, node),
  });
  const v = top.view;
  const submit = async () => {
    const result = await post('submit', { viewId: top.id, values: input });
    state.modalErrors.set(top.id, result.errors ?? {});
    state.renderedModal = undefined;
    renderModal();
  };
  $('modal-layer').replaceChildren(
    h(
      'div',
      { class: 'overlay' },
      h(
        'form',
        {
          class: 'modal',
          'data-testid': 'modal',
          dataset: { viewId: top.id },
          onsubmit: (e) => {
            e.preventDefault();
            submit().catch((error) => toast(String(error), true));
          },
        },
        h(
          'div',
          { class: 'modal-head' },
          open.length > 1 ? h('span', { class: 'stack' }, '‹ ') : null,
          h('div', { class: 'modal-title', 'data-testid': 'modal-title' }, v.title?.text ?? ''),
          h(
            'button',
            {
              type: 'button',
              class: 'x',
              'aria-label': 'Close',
              onclick: () => post('close', { viewId: top.id }),
            },
            '✕',
          ),
        ),
        h('div', { class: 'modal-body' }, renderBlocks(v.blocks, ctx)),
        h(
          'div',
          { class: 'modal-foot' },
          h(
            'button',
            {
              type: 'button',
              class: 'btn',
              'data-testid': 'modal-close',
              onclick: () => post('close', { viewId: top.id }),
            },
            v.close?.text ?? 'Cancel',
          ),
          v.submit
            ? h(
                'button',
                { type: 'submit', class: 'btn btn-primary', 'data-testid': 'modal-submit' },
                v.submit.text,
              )
            : null,
        ),
      ),
    ),
  );
}
