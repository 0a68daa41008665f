import type { Json } from './types.ts';

/** Slack's documented size limits; the fake rejects what Slack would, so renderers are tested against them. */
export const LIMITS = {
  messageText: 40_000,
  messageBlocks: 50,
  modalBlocks: 100,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  id: 255,
  actionsElements: 25,
  contextElements: 10,
  modalTitle: 24,
  privateMetadata: 3000,
  inputLabel: 2000,
  markdownText: 12_000,
} as const;

const BLOCK_TYPES = new Set([
  'section',
  'header',
  'context',
  'divider',
  'actions',
  'input',
  'image',
  'rich_text',
  'markdown',
  'file',
  'video',
  'table',
]);

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects Slack-style error strings: `must be less than 3001 characters [json-pointer:/blocks/0/text/text]`. */
class Checker {
  readonly errors: string[] = [];

  fail(message: string, pointer: string): void {
    this.errors.push(`${message} [json-pointer:${pointer}]`);
  }

  maxLength(value: unknown, max: number, pointer: string): void {
    if (typeof value === 'string' && value.length > max) {
      this.fail(`must be less than ${max + 1} characters`, pointer);
    }
  }

  /** A text object: `{type: plain_text|mrkdwn, text}` with a length limit. */
  text(value: unknown, max: number, pointer: string, plainOnly = false): void {
    if (!isObject(value)) {
      this.fail('must be a text object', pointer);
      return;
    }
    const allowed = plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
    if (!allowed.includes(String(value.type))) {
      this.fail(`must be one of ${allowed.join(', ')}`, `${pointer}/type`);
      return;
    }
    if (typeof value.text !== 'string' || value.text.length === 0) {
      this.fail('must be more than 0 characters', `${pointer}/text`);
      return;
    }
    this.maxLength(value.text, max, `${pointer}/text`);
  }

  ids(value: Json, pointer: string): void {
    this.maxLength(value.block_id, LIMITS.id, `${pointer}/block_id`);
    this.maxLength(value.action_id, LIMITS.id, `${pointer}/action_id`);
  }

  element(el: unknown, pointer: string): void {
    if (!isObject(el)) {
      this.fail('must be an object', pointer);
      return;
    }
    this.ids(el, pointer);
    if (el.type === 'button') {
      this.text(el.text, LIMITS.buttonText, `${pointer}/text`, true);
      this.maxLength(el.value, LIMITS.buttonValue, `${pointer}/value`);
      this.maxLength(el.url, LIMITS.buttonUrl, `${pointer}/url`);
      if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger') {
        this.fail('must be one of primary, danger', `${pointer}/style`);
      }
    }
  }

  block(block: unknown, pointer: string): void {
    if (!isObject(block)) {
      this.fail('must be an object', pointer);
      return;
    }
    const type = String(block.type);
    if (!BLOCK_TYPES.has(type)) {
      this.fail(`unsupported type \`${type}\``, `${pointer}/type`);
      return;
    }
    this.ids(block, pointer);
    if (type === 'section') this.section(block, pointer);
    if (type === 'header') this.text(block.text, LIMITS.headerText, `${pointer}/text`, true);
    if (type === 'markdown') this.maxLength(block.text, LIMITS.markdownText, `${pointer}/text`);
    if (type === 'context') this.list(block.elements, LIMITS.contextElements, `${pointer}/elements`);
    if (type === 'actions') {
      const elements = this.list(block.elements, LIMITS.actionsElements, `${pointer}/elements`);
      for (const [i, el] of elements.entries()) this.element(el, `${pointer}/elements/${i}`);
    }
    if (type === 'input') {
      this.text(block.label, LIMITS.inputLabel, `${pointer}/label`, true);
      this.element(block.element, `${pointer}/element`);
    }
  }

  private section(block: Json, pointer: string): void {
    if (block.text === undefined && block.fields === undefined) {
      this.fail('must provide either text or fields', pointer);
    }
    if (block.text !== undefined) this.text(block.text, LIMITS.sectionText, `${pointer}/text`);
    if (block.fields !== undefined) {
      const fields = this.list(block.fields, LIMITS.sectionFields, `${pointer}/fields`);
      for (const [i, f] of fields.entries()) this.text(f, LIMITS.fieldText, `${pointer}/fields/${i}`);
    }
    if (block.accessory !== undefined) this.element(block.accessory, `${pointer}/accessory`);
  }

  list(value: unknown, max: number, pointer: string): unknown[] {
    if (!Array.isArray(value) || value.length === 0) {
      this.fail('must provide at least 1 item', pointer);
      return [];
    }
    if (value.length > max) this.fail(`must provide no more than ${max} items`, pointer);
    return value;
  }
}

/** Errors Slack would give for a message's blocks (empty when valid). */
export function checkMessageBlocks(blocks: unknown): string[] {
  const c = new Checker();
  if (!Array.isArray(blocks)) {
    c.fail('must be an array', '/blocks');
    return c.errors;
  }
  if (blocks.length > LIMITS.messageBlocks)
    c.fail(`no more than ${LIMITS.messageBlocks} items allowed`, '/blocks');
  for (const [i, b] of blocks.entries()) c.block(b, `/blocks/${i}`);
  return c.errors;
}

/** Errors Slack would give for a modal or Home tab view (empty when valid). */
export function checkView(view: unknown): string[] {
  const c = new Checker();
  if (!isObject(view)) {
    c.fail('must be an object', '/view');
    return c.errors;
  }
  if (view.type !== 'modal' && view.type !== 'home') c.fail('must be one of modal, home', '/view/type');
  if (view.type === 'modal') {
    c.text(view.title, LIMITS.modalTitle, '/view/title', true);
    if (view.submit !== undefined) c.text(view.submit, LIMITS.modalTitle, '/view/submit', true);
    if (view.close !== undefined) c.text(view.close, LIMITS.modalTitle, '/view/close', true);
  }
  c.maxLength(view.private_metadata, LIMITS.privateMetadata, '/view/private_metadata');
  c.maxLength(view.callback_id, LIMITS.id, '/view/callback_id');
  const blocks = Array.isArray(view.blocks) ? view.blocks : [];
  if (!Array.isArray(view.blocks)) c.fail('must be an array', '/view/blocks');
  if (blocks.length > LIMITS.modalBlocks)
    c.fail(`no more than ${LIMITS.modalBlocks} items allowed`, '/view/blocks');
  for (const [i, b] of blocks.entries()) c.block(b, `/view/blocks/${i}`);
  const hasInput = blocks.some((b) => isObject(b) && b.type === 'input');
  if (view.type === 'modal' && hasInput && view.submit === undefined) {
    c.fail('must provide a submit button when using input blocks', '/view/submit');
  }
  return c.errors;
}
