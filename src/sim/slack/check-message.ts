import { fail } from './api-context.ts';
import { checkMessageBlocks, LIMITS } from './block-limits.ts';
import type { Json } from './types.ts';

/** The content of a message, checked: text and blocks, or the failed answer Slack would give. */
export type CheckedContent = { text?: string; blocks?: Json[] } | { failure: Json };

/**
 * Checks a message's `text` and `blocks` as chat.postMessage, chat.update, chat.postEphemeral and
 * response_url do: blocks must parse and respect the block limits, text must fit in 40,000 characters.
 */
export function checkMessage(args: Json, requireContent: boolean): CheckedContent {
  const text = typeof args.text === 'string' ? args.text : undefined;
  const rawBlocks = args.blocks;
  if (requireContent && (text === undefined || text === '') && rawBlocks === undefined && !args.attachments) {
    return { failure: fail('no_text') };
  }
  if (text !== undefined && text.length > LIMITS.messageText) return { failure: fail('msg_too_long') };
  if (rawBlocks === undefined) return text === undefined ? {} : { text };
  if (!Array.isArray(rawBlocks)) return { failure: fail('invalid_blocks_format') };
  const errors = checkMessageBlocks(rawBlocks);
  if (errors.length > 0) return { failure: fail('invalid_blocks', { errors }) };
  const blocks = rawBlocks as Json[];
  return text === undefined ? { blocks } : { text, blocks };
}
