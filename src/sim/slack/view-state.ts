import type { Json, SimView } from './types.ts';

/** A value as a person (or a test) gives it: text, one option value, several option values, or nothing. */
export type SimpleValue = string | string[] | null;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface StatefulElement {
  blockId: string;
  element: Json;
  optional: boolean;
  label: string;
}

/** The elements of a view whose values Slack reports in `view.state.values`. */
export function statefulElements(view: Json): StatefulElement[] {
  const blocks = Array.isArray(view.blocks) ? view.blocks : [];
  const out: StatefulElement[] = [];
  blocks.forEach((block, i) => {
    if (!isObject(block)) return;
    const blockId = typeof block.block_id === 'string' ? block.block_id : `block-${i}`;
    const label = isObject(block.label) ? String(block.label.text ?? '') : '';
    if (block.type === 'input' && isObject(block.element)) {
      out.push({ blockId, element: block.element, optional: block.optional === true, label });
    }
    if (block.type === 'actions' && Array.isArray(block.elements)) {
      for (const element of block.elements) {
        if (isObject(element) && element.type !== 'button')
          out.push({ blockId, element, optional: true, label });
      }
    }
    if (block.type === 'section' && isObject(block.accessory) && block.accessory.type !== 'button') {
      out.push({ blockId, element: block.accessory, optional: true, label });
    }
  });
  return out;
}

/** Every option of a select or radio group, including grouped ones. */
export function optionsOf(element: Json): Json[] {
  const flat = Array.isArray(element.options) ? element.options : [];
  const groups = Array.isArray(element.option_groups) ? element.option_groups : [];
  const grouped = groups.flatMap((g) => (isObject(g) && Array.isArray(g.options) ? g.options : []));
  return [...flat, ...grouped].filter(isObject);
}

/** Slack's state entry for one element holding `value`. */
export function stateEntry(element: Json, value: SimpleValue): Json {
  const type = String(element.type);
  const pick = (v: string): Json => {
    const option = optionsOf(element).find((o) => o.value === v);
    if (!option) throw new Error(`no option with value '${v}' in ${type} '${String(element.action_id)}'`);
    return { text: option.text, value: option.value };
  };
  const list = value === null ? [] : Array.isArray(value) ? value : [value];
  const one = list[0] ?? null;
  switch (type) {
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
      return { type, selected_option: one === null ? null : pick(one) };
    case 'checkboxes':
    case 'multi_static_select':
      return { type, selected_options: list.map(pick) };
    case 'users_select':
      return { type, selected_user: one };
    case 'conversations_select':
      return { type, selected_conversation: one };
    case 'channels_select':
      return { type, selected_channel: one };
    case 'datepicker':
      return { type, selected_date: one };
    default:
      return { type, value: one };
  }
}

/** The state before anyone typed: initial values, or empty. */
export function initialValues(view: Json): SimView['values'] {
  const values: SimView['values'] = {};
  for (const { blockId, element } of statefulElements(view)) {
    const actionId = String(element.action_id ?? '');
    const initial = isObject(element.initial_option)
      ? String(element.initial_option.value)
      : Array.isArray(element.initial_options)
        ? element.initial_options.filter(isObject).map((o) => String(o.value))
        : typeof element.initial_value === 'string'
          ? element.initial_value
          : typeof element.initial_user === 'string'
            ? element.initial_user
            : null;
    let entry: Json;
    try {
      entry = stateEntry(element, initial);
    } catch {
      entry = stateEntry(element, null);
    }
    values[blockId] = { ...values[blockId], [actionId]: entry };
  }
  return values;
}

/** True when a state entry holds nothing. */
export function isEmptyEntry(entry: Json | undefined): boolean {
  if (!entry) return true;
  if ('selected_options' in entry)
    return !Array.isArray(entry.selected_options) || entry.selected_options.length === 0;
  const v = entry.value ?? entry.selected_option ?? entry.selected_user ?? entry.selected_date;
  return v === null || v === undefined || v === '';
}

/**
 * Applies a person's input, `{ [block_id]: { [action_id]: value } }`, to a view's state, and lists the
 * required inputs left empty (`{ [block_id]: 'Please complete this required field.' }`), which Slack's
 * client refuses to submit.
 */
export function applyInput(
  view: SimView,
  input: Record<string, Record<string, SimpleValue>>,
): { values: SimView['values']; missing: Record<string, string> } {
  const values: SimView['values'] = structuredClone(view.values);
  const missing: Record<string, string> = {};
  for (const { blockId, element, optional } of statefulElements(view.view)) {
    const actionId = String(element.action_id ?? '');
    const given = input[blockId]?.[actionId];
    if (given !== undefined) values[blockId] = { ...values[blockId], [actionId]: stateEntry(element, given) };
    if (!optional && isEmptyEntry(values[blockId]?.[actionId])) {
      missing[blockId] = 'Please complete this required field.';
    }
  }
  return { values, missing };
}
