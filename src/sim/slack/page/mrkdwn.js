// Slack mrkdwn → safe HTML: *bold*, _italic_, ~strike~, `code`, ```blocks```, <links|text>, <@U…>, > quotes.
// Slack text arrives with &, < and > escaped as entities; raw < only opens a link or a mention.

const EMOJI = {
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  x: '❌',
  warning: '⚠️',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  rocket: '🚀',
  no_entry: '⛔',
  no_entry_sign: '🚫',
  stopwatch: '⏱️',
  gear: '⚙️',
  hammer_and_wrench: '🛠️',
  information_source: 'ℹ️',
  bulb: '💡',
  wastebasket: '🗑️',
  lock: '🔒',
  computer: '💻',
  floppy_disk: '💾',
  cd: '💿',
  package: '📦',
  clipboard: '📋',
  mag: '🔍',
  tada: '🎉',
  eyes: '👀',
  thumbsup: '👍',
  '+1': '👍',
  thumbsdown: '👎',
  red_circle: '🔴',
  large_green_circle: '🟢',
  large_yellow_circle: '🟡',
  large_blue_circle: '🔵',
  white_circle: '⚪',
  arrows_counterclockwise: '🔄',
  construction: '🚧',
  skull: '💀',
  pause_button: '⏸️',
  stop_sign: '🛑',
  link: '🔗',
  question: '❓',
  heavy_minus_sign: '➖',
  heavy_multiplication_x: '✖️',
  stethoscope: '🩺',
  alarm_clock: '⏰',
  rotating_light: '🚨',
};

const decode = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const escapeHtml = (s) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** HTML for plain text: entities decoded, then escaped (no formatting). */
export function plainHtml(text) {
  return escapeHtml(decode(String(text ?? ''))).replace(/\n/g, '<br>');
}

/** Replaces :emoji: codes Slack would show as pictures. */
export function emojify(html) {
  return html.replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] ?? m);
}

/** Slack's `<!date^ts^{token} …|fallback>` in the reader's locale and time zone. */
function formatDate(seconds, format) {
  if (!Number.isFinite(seconds)) return undefined;
  const d = new Date(seconds * 1000);
  const date = (opts) => d.toLocaleDateString(undefined, opts);
  const tokens = {
    date_num: d.toISOString().slice(0, 10),
    date: date({ month: 'long', day: 'numeric', year: 'numeric' }),
    date_short: date({ month: 'short', day: 'numeric', year: 'numeric' }),
    date_long: date({ weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' }),
    date_pretty: date({ month: 'long', day: 'numeric', year: 'numeric' }),
    date_short_pretty: date({ month: 'short', day: 'numeric', year: 'numeric' }),
    date_long_pretty: date({ weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' }),
    time: d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }),
    time_secs: d.toLocaleTimeString(),
    ago: `${Math.round((Date.now() - d.getTime()) / 60000)} minutes ago`,
  };
  return format.replace(/\{(\w+)\}/g, (m, name) => tokens[name] ?? m);
}

function linkHtml(inner, users) {
  const [target, label] = inner.split('|');
  if (target.startsWith('@')) {
    const user = users(target.slice(1));
    return `<span class="mention" data-testid="mention">@${escapeHtml(user ?? label ?? target.slice(1))}</span>`;
  }
  if (target.startsWith('#')) {
    return `<span class="mention">#${escapeHtml(label ?? target.slice(1))}</span>`;
  }
  if (target.startsWith('!date^')) {
    const [, ts, format = '{date_short} {time}'] = target.split('^');
    return `<span class="date">${escapeHtml(formatDate(Number(ts), format) ?? decode(label ?? ''))}</span>`;
  }
  if (target.startsWith('!')) {
    const name = target.slice(1).split('^')[0];
    return `<span class="mention">@${escapeHtml(label ?? name)}</span>`;
  }
  const href = decode(target);
  const safe = /^(https?:|mailto:)/i.test(href) ? href : '#';
  return `<a href="${escapeHtml(safe)}" target="_blank" rel="noreferrer noopener">${escapeHtml(decode(label ?? target))}</a>`;
}

/** Renders Slack mrkdwn as HTML; `users(id)` names a mentioned user. */
export function mrkdwnHtml(text, users = () => undefined) {
  const tokens = [];
  const hold = (html) => {
    tokens.push(html);
    return `\u0000${tokens.length - 1}\u0000`;
  };
  let s = String(text ?? '');
  s = s.replace(/```\n?([\s\S]*?)```/g, (_m, code) =>
    hold(`<pre class="code-block">${escapeHtml(decode(code))}</pre>`),
  );
  s = s.replace(/`([^`\n]+)`/g, (_m, code) => hold(`<code>${escapeHtml(decode(code))}</code>`));
  s = s.replace(/<([^<>\n]+)>/g, (_m, inner) => hold(linkHtml(inner, users)));
  s = escapeHtml(decode(s));
  const edge = '(^|[\\s(\\u0000\\[>\'"])';
  const end = '(?=$|[\\s).,!?:;\\u0000\\]\'"])';
  s = s.replace(new RegExp(`${edge}\\*([^*\\n]+?)\\*${end}`, 'g'), '$1<strong>$2</strong>');
  s = s.replace(new RegExp(`${edge}_([^_\\n]+?)_${end}`, 'g'), '$1<em>$2</em>');
  s = s.replace(new RegExp(`${edge}~([^~\\n]+?)~${end}`, 'g'), '$1<del>$2</del>');
  s = emojify(s);
  const lines = s.split('\n');
  const out = [];
  let quote = [];
  const flush = () => {
    if (quote.length > 0) out.push(`<blockquote>${quote.join('<br>')}</blockquote>`);
    quote = [];
  };
  for (const line of lines) {
    if (line.startsWith('&gt; ') || line === '&gt;') quote.push(line.replace(/^&gt; ?/, ''));
    else {
      flush();
      out.push(line);
    }
  }
  flush();
  s = out
    .join('\n')
    .replace(/\n/g, '<br>')
    .replace(/<\/blockquote><br>/g, '</blockquote>');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL marks held tokens, never in Slack text
  return s.replace(/\u0000(\d+)\u0000/g, (_m, i) => tokens[Number(i)]);
}

/** A text object (plain_text or mrkdwn) as HTML. */
export function textObjectHtml(obj, users) {
  if (!obj) return '';
  return obj.type === 'mrkdwn' ? mrkdwnHtml(obj.text, users) : emojify(plainHtml(obj.text));
}
