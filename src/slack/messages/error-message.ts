import { CLONE_USAGE } from '../../core/parse-clone-command.ts';
import { escapeMrkdwn, SLACK_LIMITS, truncate } from './slack-limits.ts';
import type { SlackMessage } from './slack-message.ts';

function section(text: string): SlackMessage['blocks'][number] {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) } };
}

/**
 * The ephemeral answer to a command typed wrong (a syntax error): what was wrong, a hint, and the usage line.
 * `error` and `hint` are plain text: escaped here, in the blocks and in the notification text alike.
 */
export function renderCommandError(error: string, hint?: string, usage: string = CLONE_USAGE): SlackMessage {
  const lines = [`:warning: ${escapeMrkdwn(truncate(error, 1500))}`];
  if (hint !== undefined && hint !== '' && !hint.startsWith('Usage:'))
    lines.push(escapeMrkdwn(truncate(hint, 1000)));
  // The parser's hint may itself be the usage line (with an explanation): show it once.
  const extra = hint?.startsWith(`Usage: ${usage}`) ? hint.slice(`Usage: ${usage}`.length).trim() : '';
  lines.push(
    `Usage: \`${escapeMrkdwn(usage)}\`${extra ? ` ${escapeMrkdwn(extra)}` : ''} · \`/clone help\` for more`,
  );
  return {
    text: truncate(escapeMrkdwn(`${error} — usage: ${usage}`), SLACK_LIMITS.sectionText),
    blocks: [section(lines.join('\n'))],
  };
}

/**
 * The ephemeral answer to a well-formed request that cannot go ahead (template broken, name or VMID taken,
 * bad storage): what was wrong and a hint, without the usage line the person did not need.
 */
export function renderRefusal(error: string, hint?: string): SlackMessage {
  const lines = [`:warning: ${escapeMrkdwn(truncate(error, 1500))}`];
  if (hint !== undefined && hint !== '') lines.push(escapeMrkdwn(truncate(hint, 1000)));
  return {
    text: truncate(escapeMrkdwn(hint ? `${error} ${hint}` : error), SLACK_LIMITS.sectionText),
    blocks: [section(lines.join('\n'))],
  };
}

/** A short ephemeral notice (a refused click, a cancel done): one section, no usage line. */
export function renderNotice(text: string): SlackMessage {
  return {
    text: truncate(text, SLACK_LIMITS.sectionText),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) } }],
  };
}
