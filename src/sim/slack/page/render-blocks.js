// Block Kit → DOM, close to how Slack draws it. Pure rendering: clicks and input go to callbacks in `ctx`.
import { emojify, mrkdwnHtml, plainHtml, textObjectHtml } from './mrkdwn.js';

/** Creates an element: h('div', { class: 'x', dataset: {…}, onclick }, child, …). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'html') el.innerHTML = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'value') el.value = value;
    else if (key === 'checked') el.checked = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const text = (obj, ctx, cls = '') => h('div', { class: `text ${cls}`, html: textObjectHtml(obj, ctx.users) });
const optionLabel = (o) => (o.text ? String(o.text.text) : String(o.value));

function button(el, blockId, ctx) {
  const style = el.style === 'primary' ? 'btn-primary' : el.style === 'danger' ? 'btn-danger' : '';
  return h(
    'button',
    {
      type: 'button',
      class: `btn ${style}`,
      'data-testid': 'block-button',
      dataset: { actionId: el.action_id ?? '', blockId },
      onclick: (e) => ctx.onAction(el, blockId, null, e.currentTarget),
    },
    h('span', { html: emojify(plainHtml(el.text?.text)) }),
  );
}

function options(el) {
  const groups = el.option_groups ?? [];
  return [...(el.options ?? []), ...groups.flatMap((g) => g.options ?? [])];
}

function select(el, blockId, ctx, current, onChange) {
  const chosen = current ?? el.initial_option?.value ?? '';
  const placeholder = el.placeholder?.text ?? 'Select an option';
  const list = el.type === 'users_select' ? ctx.userOptions() : options(el);
  return h(
    'select',
    {
      class: 'select',
      'data-testid': `select-${blockId}`,
      dataset: { actionId: el.action_id ?? '', blockId },
      onchange: (e) => onChange(e.currentTarget.value || null),
    },
    h('option', { value: '', disabled: true, selected: chosen === '' }, placeholder),
    list.map((o) => h('option', { value: o.value, selected: o.value === chosen }, optionLabel(o))),
  );
}

function choiceGroup(el, blockId, current, onChange) {
  const multi = el.type === 'checkboxes';
  const initial = multi ? (el.initial_options ?? []).map((o) => o.value) : el.initial_option?.value;
  const value = current ?? initial ?? (multi ? [] : null);
  const name = `${blockId}-${el.action_id}`;
  return h(
    'div',
    { class: 'choices', 'data-testid': `choices-${blockId}` },
    options(el).map((o) => {
      const checked = multi ? value.includes(o.value) : value === o.value;
      const input = h('input', {
        type: multi ? 'checkbox' : 'radio',
        name,
        value: o.value,
        checked,
        onchange: (e) => {
          if (!multi) return onChange(o.value);
          const all = [...e.currentTarget.closest('.choices').querySelectorAll('input:checked')];
          onChange(all.map((i) => i.value));
        },
      });
      return h(
        'label',
        { class: 'choice' },
        input,
        h('span', {}, optionLabel(o), o.description ? h('small', {}, ` ${o.description.text}`) : null),
      );
    }),
  );
}

/** An interactive element outside an input block: it sends a block action at once. */
function actionElement(el, blockId, ctx) {
  if (el.type === 'button') return button(el, blockId, ctx);
  if (el.type === 'radio_buttons' || el.type === 'checkboxes') {
    return choiceGroup(el, blockId, undefined, (v) => ctx.onAction(el, blockId, v));
  }
  if (el.type === 'overflow') {
    return select({ ...el, placeholder: { text: '⋯' } }, blockId, ctx, undefined, (v) =>
      ctx.onAction(el, blockId, v),
    );
  }
  if (el.type === 'image') return h('span', { class: 'image-alt' }, `🖼 ${el.alt_text ?? 'image'}`);
  if (el.type.endsWith('select'))
    return select(el, blockId, ctx, undefined, (v) => ctx.onAction(el, blockId, v));
  return h('span', { class: 'unsupported' }, `[${el.type}]`);
}

function inputElement(block, ctx) {
  const el = block.element;
  const blockId = block.block_id;
  const actionId = el.action_id ?? '';
  const current = ctx.values?.[blockId]?.[actionId];
  const set = (v) => {
    ctx.onInput(blockId, actionId, v);
    if (block.dispatch_action) ctx.onAction(el, blockId, v);
  };
  if (el.type === 'static_select' || el.type === 'users_select' || el.type === 'external_select') {
    return select(el, blockId, ctx, current, set);
  }
  if (el.type === 'radio_buttons' || el.type === 'checkboxes') return choiceGroup(el, blockId, current, set);
  const attrs = {
    class: 'input',
    'data-testid': `input-${blockId}`,
    placeholder: el.placeholder?.text,
    value: current ?? el.initial_value ?? '',
    oninput: (e) => ctx.onInput(blockId, actionId, e.currentTarget.value),
    onchange: block.dispatch_action ? (e) => set(e.currentTarget.value) : undefined,
  };
  if (el.type === 'number_input') return h('input', { ...attrs, type: 'number' });
  if (el.type === 'datepicker')
    return h('input', { ...attrs, type: 'date', value: current ?? el.initial_date ?? '' });
  if (el.multiline) return h('textarea', { ...attrs, rows: 4 }, current ?? el.initial_value ?? '');
  return h('input', { ...attrs, type: 'text', maxlength: el.max_length });
}

function richText(block, ctx) {
  const inline = (e) => {
    if (e.type === 'link') {
      const href = /^(https?:|mailto:)/i.test(String(e.url)) ? plainHtml(e.url) : '#';
      return `<a href="${href}" target="_blank" rel="noreferrer noopener">${plainHtml(e.text ?? e.url)}</a>`;
    }
    if (e.type === 'user')
      return `<span class="mention">@${plainHtml(ctx.users(e.user_id) ?? e.user_id)}</span>`;
    if (e.type === 'emoji') return emojify(`:${e.name}:`);
    let s = plainHtml(e.text ?? '');
    if (e.style?.code) s = `<code>${s}</code>`;
    if (e.style?.bold) s = `<strong>${s}</strong>`;
    if (e.style?.italic) s = `<em>${s}</em>`;
    if (e.style?.strike) s = `<del>${s}</del>`;
    return s;
  };
  const section = (s) => (s.elements ?? []).map(inline).join('');
  const part = (p) => {
    if (p.type === 'rich_text_preformatted') return `<pre class="code-block">${section(p)}</pre>`;
    if (p.type === 'rich_text_quote') return `<blockquote>${section(p)}</blockquote>`;
    if (p.type === 'rich_text_list') {
      const tag = p.style === 'ordered' ? 'ol' : 'ul';
      return `<${tag}>${(p.elements ?? []).map((i) => `<li>${section(i)}</li>`).join('')}</${tag}>`;
    }
    return `<div>${section(p)}</div>`;
  };
  return h('div', { class: 'text', html: (block.elements ?? []).map(part).join('') });
}

function renderBlock(block, ctx) {
  const blockId = block.block_id ?? '';
  const wrap = (cls, ...children) => h('div', { class: `block ${cls}`, dataset: { blockId } }, ...children);
  switch (block.type) {
    case 'header':
      return wrap('header', h('div', { class: 'header-text', html: emojify(plainHtml(block.text?.text)) }));
    case 'divider':
      return wrap('divider', h('hr'));
    case 'section': {
      const body = h('div', { class: 'section-body' });
      if (block.text) body.append(text(block.text, ctx));
      if (block.fields)
        body.append(
          h(
            'div',
            { class: 'fields' },
            block.fields.map((f) => text(f, ctx, 'field')),
          ),
        );
      const accessory = block.accessory
        ? h('div', { class: 'accessory' }, actionElement(block.accessory, blockId, ctx))
        : null;
      return wrap('section', body, accessory);
    }
    case 'context':
      return wrap(
        'context',
        (block.elements ?? []).map((e) =>
          e.type === 'image' ? h('span', { class: 'image-alt' }, '🖼') : text(e, ctx, 'context-text'),
        ),
      );
    case 'actions':
      return wrap(
        'actions',
        (block.elements ?? []).map((e) => actionElement(e, blockId, ctx)),
      );
    case 'input': {
      const error = ctx.errors?.[blockId];
      return wrap(
        `input-block ${error ? 'has-error' : ''}`,
        h(
          'label',
          { class: 'label' },
          block.label?.text ?? '',
          block.optional ? h('span', { class: 'optional' }, ' (optional)') : null,
        ),
        inputElement(block, ctx),
        block.hint ? h('div', { class: 'hint', html: textObjectHtml(block.hint, ctx.users) }) : null,
        error ? h('div', { class: 'field-error', 'data-testid': `field-error-${blockId}` }, error) : null,
      );
    }
    case 'image':
      return wrap('image', h('div', { class: 'image-alt' }, `🖼 ${block.alt_text ?? 'image'}`));
    case 'rich_text':
      return wrap('rich-text', richText(block, ctx));
    case 'markdown':
      return wrap(
        'markdown',
        h('div', {
          class: 'text',
          html: mrkdwnHtml(String(block.text ?? '').replace(/\*\*/g, '*'), ctx.users),
        }),
      );
    default:
      return wrap('unsupported', `[${block.type} block]`);
  }
}

/** Renders a list of blocks; `ctx` = { users(id), userOptions(), onAction(el, blockId, value, node), onInput, values, errors }. */
export function renderBlocks(blocks, ctx) {
  return h(
    'div',
    { class: 'blocks' },
    (blocks ?? []).map((b) => renderBlock(b, ctx)),
  );
}
