// The channel: messages, their threads (unfolded by default, so progress shows live) and ephemerals.
import { mrkdwnHtml } from './mrkdwn.js';
import { $, blockCtx, confirmed, hooks, post, state, timeOf, tsNum, userName } from './page-state.js';
import { h, renderBlocks } from './render-blocks.js';

async function messageAction(message, el, blockId, value, node) {
  if (!(await confirmed(el))) return;
  if (el.url) window.open(el.url, '_blank', 'noopener');
  node?.classList.add('busy');
  try {
    await post('action', {
      channelId: message.channel,
      messageTs: message.ts,
      actionId: el.action_id,
      blockId,
      value,
    });
  } finally {
    node?.classList.remove('busy');
  }
}

// Drawn, not an emoji: headless browsers often lack an emoji font.
const BOT_FACE =
  '<svg viewBox="0 0 36 36" width="36" height="36" aria-hidden="true"><rect width="36" height="36" rx="6" fill="#4a154b"/>' +
  '<rect x="8" y="11" width="20" height="16" rx="4" fill="#ecb22e"/><circle cx="14" cy="19" r="2.4" fill="#4a154b"/>' +
  '<circle cx="22" cy="19" r="2.4" fill="#4a154b"/><rect x="17" y="5" width="2" height="6" fill="#ecb22e"/>' +
  '<circle cx="18" cy="5" r="2" fill="#36c5f0"/></svg>';

export function avatar(id, isBot) {
  if (isBot) return h('div', { class: 'avatar bot', html: BOT_FACE });
  const hue = [...id].reduce((a, c) => a + c.charCodeAt(0), 0) % 360;
  return h('div', { class: 'avatar', style: `background:hsl(${hue} 45% 42%)` }, userName(id)[0] ?? '?');
}

function renderMessage(m, { ephemeral = false } = {}) {
  const isBot = m.botId !== undefined || m.source !== undefined;
  const name = m.source === 'slackbot' ? 'Slackbot' : isBot ? 'clonebot' : userName(m.user);
  const ctx = blockCtx({
    onAction: (el, blockId, value, node) => messageAction(m, el, blockId, value, node),
  });
  const body = m.blocks?.length
    ? renderBlocks(m.blocks, ctx)
    : h('div', { class: 'text', html: mrkdwnHtml(m.text, ctx.users) });
  const key = `${m.channel}/${m.ts}`;
  const el = h(
    'div',
    {
      class: `message ${ephemeral ? 'ephemeral' : ''}`,
      'data-testid': ephemeral ? 'ephemeral' : 'message',
      dataset: { ts: m.ts, channel: m.channel },
    },
    avatar(m.user ?? 'U', isBot),
    h(
      'div',
      { class: 'message-main' },
      h(
        'div',
        { class: 'message-meta' },
        h('span', { class: 'author' }, name),
        isBot ? h('span', { class: 'app-badge' }, 'APP') : null,
        h('span', { class: 'time' }, timeOf(m.ts)),
        m.edited ? h('span', { class: 'edited', 'data-testid': 'edited' }, '(edited)') : null,
      ),
      ephemeral
        ? h(
            'div',
            { class: 'only-you' },
            '👁 Only visible to you · ',
            h(
              'a',
              {
                href: '#',
                onclick: (e) => {
                  e.preventDefault();
                  state.dismissed.add(key);
                  hooks.render();
                },
              },
              'Dismiss',
            ),
          )
        : null,
      h('div', { class: 'message-body', 'data-testid': 'message-body' }, body),
    ),
  );
  return el;
}

/** Messages and this user's ephemerals of one channel (or one thread), in ts order. */
function entries(channel, threadTs) {
  const inThread = (m) =>
    threadTs === undefined
      ? m.threadTs === undefined || m.threadTs === m.ts
      : m.threadTs === threadTs && m.ts !== threadTs;
  const msgs = [...state.messages.values()]
    .filter((m) => m.channel === channel && inThread(m))
    .map((m) => ({ m }));
  const eph = state.ephemerals
    .filter(
      (e) =>
        e.channel === channel && e.user === state.currentUser && !state.dismissed.has(`${e.channel}/${e.ts}`),
    )
    .filter((e) => (threadTs === undefined ? e.threadTs === undefined : e.threadTs === threadTs))
    .map((m) => ({ m, ephemeral: true }));
  return [...msgs, ...eph].sort((a, b) => tsNum(a.m.ts) - tsNum(b.m.ts));
}

function renderThread(m) {
  const replies = entries(m.channel, m.ts);
  if (replies.length === 0) return null;
  const key = `${m.channel}/${m.ts}`;
  const open = !state.collapsed.has(key);
  const toggle = h(
    'button',
    {
      class: 'thread-toggle',
      'data-testid': 'thread-toggle',
      dataset: { threadTs: m.ts },
      onclick: () => {
        if (open) state.collapsed.add(key);
        else state.collapsed.delete(key);
        hooks.render();
      },
    },
    `${open ? '▾' : '▸'} ${m.replyCount || replies.length} ${(m.replyCount || replies.length) === 1 ? 'reply' : 'replies'}`,
  );
  const list = open
    ? h(
        'div',
        { class: 'thread', 'data-testid': 'thread-replies', dataset: { threadTs: m.ts } },
        replies.map((r) => renderMessage(r.m, r)),
      )
    : null;
  return h('div', { class: 'thread-wrap' }, toggle, list);
}

export function renderChannel() {
  const list = $('messages');
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const channel = state.channels.get(state.currentChannel);
  $('channel-name').textContent = channel?.isIm ? 'clonebot' : `# ${channel?.name ?? state.currentChannel}`;
  const items = entries(state.currentChannel).map(({ m, ephemeral }) => {
    const el = renderMessage(m, { ephemeral });
    if (!ephemeral) el.querySelector('.message-main').append(renderThread(m) ?? '');
    return el;
  });
  if (items.length === 0) {
    items.push(
      h(
        'div',
        { class: 'empty' },
        'No messages yet. Type ',
        h('code', {}, '/clone 112 as demo-vm on pve1'),
        ' below.',
      ),
    );
  }
  list.replaceChildren(...items);
  if (nearBottom) list.scrollTop = list.scrollHeight;
}
