// The sandbox page: a Slack-like channel view over the fake Slack, kept live by Server-Sent Events.
import { $, hooks, people, post, state, toast } from './page-state.js';
import { renderChannel } from './render-messages.js';
import { renderModal } from './render-modal.js';
import { renderSidebar } from './render-sidebar.js';

function render() {
  renderSidebar();
  renderChannel();
  renderModal();
}

function applySnapshot(s) {
  state.identity = s;
  state.users = new Map(s.users.map((u) => [u.id, u]));
  state.channels = new Map(s.channels.map((c) => [c.id, c]));
  state.messages = new Map(s.messages.map((m) => [`${m.channel}/${m.ts}`, m]));
  state.ephemerals = s.ephemerals;
  state.views = new Map(s.views.map((v) => [v.id, v]));
  if (!state.channels.has(state.currentChannel)) state.currentChannel = s.defaultChannel;
  if (!state.users.has(state.currentUser)) state.currentUser = people()[0]?.id;
  showConnected(s.appConnected);
}

function showConnected(connected) {
  $('status').textContent = connected ? 'bot connected' : 'bot not connected';
  $('status').className = `status ${connected ? 'ok' : 'bad'}`;
}

function apply(event) {
  switch (event.kind) {
    case 'snapshot':
      applySnapshot(event.state);
      break;
    case 'reset':
      fetch('/sandbox/state')
        .then((r) => r.json())
        .then((s) => {
          applySnapshot(s);
          render();
        })
        .catch((error) => toast(String(error), true));
      return;
    case 'message':
      state.messages.set(`${event.message.channel}/${event.message.ts}`, event.message);
      break;
    case 'message_deleted':
      state.messages.delete(`${event.channel}/${event.ts}`);
      break;
    case 'ephemeral':
      state.ephemerals = [
        ...state.ephemerals.filter((e) => !(e.user === event.ephemeral.user && e.ts === event.ephemeral.ts)),
        event.ephemeral,
      ];
      break;
    case 'ephemeral_deleted':
      state.ephemerals = state.ephemerals.filter((e) => !(e.user === event.user && e.ts === event.ts));
      break;
    case 'view':
      state.views.set(event.view.id, event.view);
      break;
    case 'channel':
      state.channels.set(event.channel.id, event.channel);
      break;
    case 'user':
      state.users.set(event.user.id, event.user);
      break;
    case 'app':
      showConnected(event.connected);
      break;
  }
  render();
}

function connect() {
  const events = new EventSource('/events');
  events.onmessage = (e) => apply(JSON.parse(e.data));
  events.onopen = () => document.body.classList.remove('offline');
  events.onerror = () => document.body.classList.add('offline');
}

$('composer').addEventListener('submit', async (e) => {
  e.preventDefault();
  const box = $('message-box');
  const value = box.value.trim();
  if (value === '') return;
  const match = /^(\/\S+)\s*([\s\S]*)$/.exec(value);
  if (!match) {
    toast('Only slash commands reach the bot here: try /clone help');
    return;
  }
  box.value = '';
  box.disabled = true;
  try {
    await post('command', { channelId: state.currentChannel, command: match[1], text: match[2] });
  } finally {
    box.disabled = false;
    box.focus();
  }
});

// Opening the tab is what makes Slack send app_home_opened; the bot answers by publishing the view.
$('home-open').addEventListener('click', () => post('home').catch((error) => toast(String(error), true)));

hooks.render = render;
connect();
