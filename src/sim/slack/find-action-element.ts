import type { Json } from './types.ts';
import { type SimpleValue, stateEntry } from './view-state.ts';

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An interactive element and the block holding it. */
export interface FoundElement {
  blockId: string;
  element: Json;
}

/** How to pick an element: by action_id (and block_id), or by a button's visible text (substring). */
export interface ElementQuery {
  actionId?: string;
  blockId?: string;
  buttonText?: string;
}

function elementsOf(block: Json): Json[] {
  if (block.type === 'actions' && Array.isArray(block.elements)) return block.elements.filter(isObject);
  if (block.type === 'section' && isObject(block.accessory)) return [block.accessory];
  if (block.type === 'input' && isObject(block.element)) return [block.element];
  return [];
}

/** Finds the interactive element a person would click in `blocks`. */
export function findActionElement(blocks: unknown, query: ElementQuery): FoundElement | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const block of blocks.filter(isObject)) {
    const blockId = String(block.block_id ?? '');
    if (query.blockId !== undefined && query.blockId !== blockId) continue;
    for (const element of elementsOf(block)) {
      if (query.actionId !== undefined && element.action_id !== query.actionId) continue;
      if (query.buttonText !== undefined) {
        const text = isObject(element.text) ? String(element.text.text ?? '') : '';
        if (element.type !== 'button' || !text.includes(query.buttonText)) continue;
      }
      return { blockId, element };
    }
  }
  return undefined;
}

/** The `actions[0]` entry of a block_actions payload for `element` (a click, or choosing `value`). */
export function actionEntry(found: FoundElement, actionTs: string, value: SimpleValue = null): Json {
  const { element, blockId } = found;
  const base: Json = {
    type: element.type,
    action_id: element.action_id,
    block_id: blockId,
    action_ts: actionTs,
  };
  if (element.type === 'button') {
    return {
      ...base,
      text: element.text,
      ...(element.value !== undefined ? { value: element.value } : {}),
      ...(element.style !== undefined ? { style: element.style } : {}),
    };
  }
  return { ...base, ...stateEntry(element, value) };
}
