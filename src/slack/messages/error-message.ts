import { CLONE_USAGE } from '../../core/parse-clone-command.ts';
import { escapeMrkdwn, SLACK_LIMITS, truncate } from './slack-limits.ts';
import type { SlackMessage } from './slack-message.ts';

/** The ephemeral answer to a request that cannot go ahead: what was wrong, a hint, and the usage line. */
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
    text: truncate(`${error} — usage: ${usage}`, SLACK_LIMITS.sectionText),
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: truncate(lines.join('\n'), SLACK_LIMITS.sectionText) },
      },
    ],
  };
}

/** A short ephemeral notice (a refused click, a cancel done): one section, no usage line. */
export function renderNotice(text: string): SlackMessage {
  return {
    text: truncate(text, SLACK_LIMITS.sectionText),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) } }],
  };
}
