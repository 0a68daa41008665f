import type { KnownBlock } from '@slack/types';
import { SLACK_LIMITS, truncate } from './slack-limits.ts';
import type { SlackMessage } from './slack-message.ts';

/** Room kept in a section for Slack's own counting (it counts some escapes differently). */
const SECTION_BUDGET = SLACK_LIMITS.sectionText - 100;

/**
 * mrkdwn sections holding `entries` under `title`, each section within Slack's 3,000 characters; a long
 * entry is cut, a long list continues in the next section under `title (cont.)`.
 */
export function packSections(title: string, entries: readonly string[]): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  let text = title;
  for (const raw of entries) {
    const entry = truncate(raw, Math.floor(SECTION_BUDGET / 2));
    if (text.length + 1 + entry.length > SECTION_BUDGET) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
      text = `${title} _(cont.)_`;
    }
    text = `${text}\n${entry}`;
  }
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) } });
  return blocks;
}

/**
 * Splits `head` + `body` into messages of at most 50 blocks: the first starts with `head`, the others with a
 * `title, part i of n` line. With `maxMessages`, the last kept message ends with `overflowNote` instead.
 */
export function splitIntoMessages(
  text: string,
  head: readonly KnownBlock[],
  body: readonly KnownBlock[],
  opts: { title: string; maxMessages?: number; overflowNote?: string },
): SlackMessage[] {
  const max = SLACK_LIMITS.blocksPerMessage;
  const chunks: KnownBlock[][] = [[...head]];
  for (const block of body) {
    let last = chunks.at(-1) as KnownBlock[];
    // Later parts reserve one block for their "part i of n" line.
    const room = chunks.length === 1 ? max : max - 1;
    if (last.length >= room) {
      last = [];
      chunks.push(last);
    }
    last.push(block);
  }
  let kept = chunks;
  if (opts.maxMessages !== undefined && chunks.length > opts.maxMessages) {
    kept = chunks.slice(0, Math.max(1, opts.maxMessages));
    const last = kept.at(-1) as KnownBlock[];
    const room = kept.length === 1 ? max : max - 1;
    if (last.length >= room) last.pop();
    last.push(context(opts.overflowNote ?? 'The rest of the report did not fit.'));
  }
  return kept.map((blocks, i) =>
    i === 0
      ? { text, blocks }
      : {
          text: `${opts.title} (part ${i + 1} of ${kept.length})`,
          blocks: [context(`${opts.title}, part ${i + 1} of ${kept.length}`), ...blocks],
        },
  );
}

/** A context block with one mrkdwn line (cut to fit). */
export function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.fieldText) }] };
}
