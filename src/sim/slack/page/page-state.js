// The sandbox page's state and its small helpers: the people, the server calls, toasts and confirm dialogs.
import { mrkdwnHtml } from './mrkdwn.js';
import { h } from './render-blocks.js';

/** Set by sandbox.js: redraws the page after a local change (a folded thread, a switched user). */
export const hooks = { render: () => {} };

export const state = {
  identity: {},
  users: new Map(),
  channels: new Map(),
  messages: new Map(), // `${channel}/${ts}` → message
  ephemerals: [],
  views: new Map(),
  currentUser: localStorage.getItem('sandbox.user') ?? 'U0REQUESTER',
  currentChannel: undefined,
  collapsed: new Set(), // threads folded by the person; unfolded by default so progress shows live
  dismissed: new Set(),
  modalInput: new Map(), // view id → { [block_id]: { [action_id]: value } }
  modalErrors: new Map(),
  renderedModal: undefined,
};

export const $ = (id) => document.getElementById(id);
export const userName = (id) => state.users.get(id)?.realName ?? state.users.get(id)?.name ?? id;
export const tsNum = (ts) => Number(ts);
export const timeOf = (ts) =>
  new Date(tsNum(ts) * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
export const people = () => [...state.users.values()].filter((u) => !u.isBot);

export function blockCtx(extra = {}) {
  return {
    users: (id) => (state.users.has(id) ? userName(id) : undefined),
    userOptions: () => people().map((u) => ({ value: u.id, text: { text: u.realName } })),
    onInput: () => {},
    ...extra,
  };
}

export async function post(path, body) {
  const res = await fetch(`/sandbox/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId: state.currentUser, ...body }),
  });
  const result = await res.json();
  if (result.sent && result.status !== 200)
    toast(`The app answered HTTP ${result.status || 'nothing'}`, true);
  if (!result.sent && result.status === 0 && result.body) toast(result.body, true);
  return result;
}

export function toast(message, error = false) {
  const el = $('toast');
  el.textContent = message;
  el.className = `toast show ${error ? 'error' : ''}`;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    el.className = 'toast';
  }, 4000);
}

/** Asks first when the element has a `confirm` object, as Slack does. */
export function confirmed(el) {
  if (!el.confirm) return Promise.resolve(true);
  return new Promise((resolve) => {
    const c = el.confirm;
    const close = (answer) => {
      $('confirm-layer').replaceChildren();
      resolve(answer);
    };
    const style = c.style === 'danger' ? 'btn-danger' : 'btn-primary';
    $('confirm-layer').replaceChildren(
      h(
        'div',
        { class: 'overlay' },
        h(
          'div',
          { class: 'dialog', 'data-testid': 'confirm-dialog', role: 'dialog' },
          h('div', { class: 'dialog-title' }, c.title?.text ?? 'Are you sure?'),
          h('div', { class: 'text', html: mrkdwnHtml(c.text?.text ?? '') }),
          h(
            'div',
            { class: 'dialog-actions' },
            h(
              'button',
              { class: 'btn', 'data-testid': 'confirm-no', onclick: () => close(false) },
              c.deny?.text ?? 'Cancel',
            ),
            h(
              'button',
              { class: `btn ${style}`, 'data-testid': 'confirm-yes', onclick: () => close(true) },
              c.confirm?.text ?? 'Yes',
            ),
          ),
        ),
      ),
    );
  });
}
