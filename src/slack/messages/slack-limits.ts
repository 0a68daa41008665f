/** Slack's documented size limits for what the bot sends (Block Kit, messages, modals). */
export const SLACK_LIMITS = {
  messageText: 40_000,
  blocksPerMessage: 50,
  blocksPerModal: 100,
  sectionText: 3000,
  fieldText: 2000,
  fieldsPerSection: 10,
  contextElements: 10,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  modalTitle: 24,
  privateMetadata: 3000,
  optionText: 75,
  optionsPerSelect: 100,
  inputLabel: 2000,
} as const;

/** Cuts `text` to at most `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return text.slice(0, max);
  return `${text.slice(0, max - 1)}…`;
}

/** Escapes the three characters Slack mrkdwn treats as control characters in user- or Proxmox-supplied text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A ``` code block of `lines` no longer than `max` characters. Keeps the LAST lines (a task log's end holds
 * the error), noting how many were left out; a single over-long line is cut.
 */
export function codeBlock(lines: readonly string[], max: number): string {
  const fence = '```';
  // Triple backticks inside would close the block early.
  const clean = lines.map((l) => escapeMrkdwn(l.replace(/```/g, "'''")));
  const budget = max - fence.length * 2 - 2;
  const kept: string[] = [];
  let used = 0;
  for (let i = clean.length - 1; i >= 0; i--) {
    const line = clean[i] as string;
    const cost = line.length + (kept.length > 0 ? 1 : 0);
    if (used + cost > budget - 40) break;
    kept.unshift(line);
    used += cost;
  }
  if (kept.length === 0 && clean.length > 0) kept.push(truncate(clean.at(-1) as string, budget - 40));
  const omitted = clean.length - kept.length;
  if (omitted > 0) kept.unshift(`… ${omitted} earlier line${omitted === 1 ? '' : 's'} omitted`);
  return `${fence}\n${kept.join('\n')}\n${fence}`;
}
