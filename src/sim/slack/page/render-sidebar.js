// The sidebar: channels, the requester/approver switch and the App Home tab.
import { $, blockCtx, hooks, people, state, userName } from './page-state.js';
import { h, renderBlocks } from './render-blocks.js';
import { avatar } from './render-messages.js';
import { viewAction } from './render-modal.js';

export function renderSidebar() {
  const visible = [...state.channels.values()].filter((c) => !c.isIm || c.user === state.currentUser);
  $('channels').replaceChildren(
    ...visible.map((c) =>
      h(
        'button',
        {
          class: `channel-link ${c.id === state.currentChannel ? 'active' : ''}`,
          'data-testid': `channel-link-${c.id}`,
          onclick: () => {
            state.currentChannel = c.id;
            hooks.render();
          },
        },
        c.isIm ? '🤖 clonebot' : `# ${c.name}`,
      ),
    ),
  );
  $('user-switch').replaceChildren(
    ...people().map((u) =>
      h(
        'button',
        {
          class: `user-option ${u.id === state.currentUser ? 'active' : ''}`,
          'data-testid': `user-option-${u.id}`,
          'aria-pressed': String(u.id === state.currentUser),
          onclick: () => switchUser(u.id),
        },
        avatar(u.id, false),
        h('span', {}, u.realName),
      ),
    ),
  );
  $('current-user').textContent = userName(state.currentUser);
  const home = [...state.views.values()].find((v) => v.type === 'home' && v.user === state.currentUser);
  $('home').replaceChildren(
    home
      ? renderBlocks(home.view.blocks, blockCtx({ onAction: (el, b, v) => viewAction(home, el, b, v) }))
      : '',
  );
}

function switchUser(id) {
  state.currentUser = id;
  localStorage.setItem('sandbox.user', id);
  state.renderedModal = undefined;
  hooks.render();
}
