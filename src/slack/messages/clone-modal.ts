import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { TemplateSummary } from '../../clone/types.ts';
import { SLACK_IDS } from '../slack-ids.ts';
import { escapeMrkdwn, SLACK_LIMITS, truncate } from './slack-limits.ts';

/** What the `/clone` form shows: nodes, then (once a node is picked) its templates and storages. */
export interface CloneModalState {
  /** Channel the form was opened from: the request is posted there. */
  channelId: string;
  nodes?: readonly string[];
  node?: string;
  templates?: readonly TemplateSummary[];
  storages?: readonly string[];
  /** Shown instead of the form while loading or when the inventory cannot be read. */
  notice?: string;
}

/** The private metadata the form carries between open, update and submit. */
export interface CloneModalMetadata {
  channelId: string;
  node?: string;
  /** The node list, so picking a node re-renders the form without asking Proxmox again. */
  nodes?: string[];
}

/** Reads the form's metadata back; tolerant of anything malformed (it came through Slack). */
export function parseCloneModalMetadata(raw: string | undefined): CloneModalMetadata | undefined {
  try {
    const m = JSON.parse(raw ?? '') as Partial<CloneModalMetadata>;
    if (typeof m.channelId !== 'string') return undefined;
    const out: CloneModalMetadata = { channelId: m.channelId };
    if (typeof m.node === 'string') out.node = m.node;
    if (Array.isArray(m.nodes)) out.nodes = m.nodes.filter((n): n is string => typeof n === 'string');
    return out;
  } catch {
    return undefined;
  }
}

const opt = (text: string, value: string): PlainTextOption => ({
  text: { type: 'plain_text', text: truncate(text, SLACK_LIMITS.optionText) },
  value,
});

function fitNodes(nodes: readonly string[]): string[] {
  const kept = nodes.slice(0, SLACK_LIMITS.optionsPerSelect);
  while (JSON.stringify(kept).length > SLACK_LIMITS.privateMetadata - 200) kept.pop();
  return kept;
}

/** A template as an option: `112 · ubuntu-22 · scsi0`, marked when the health rules found a problem. */
export function templateOption(t: TemplateSummary): PlainTextOption {
  const parts = [String(t.vmid), t.name, t.bootDisk].filter((p): p is string => p !== undefined);
  return opt(`${t.problems.length > 0 ? '⚠ ' : ''}${parts.join(' · ')}`, String(t.vmid));
}

/** The form's "after the clone" inputs: the same options as `start user U sshkey ip … for 3d` on the command. */
function vmOptionBlocks(): KnownBlock[] {
  const text = (block: string, label: string, hint: string, placeholder: string): KnownBlock => ({
    type: 'input',
    block_id: block,
    optional: true,
    label: { type: 'plain_text', text: label },
    hint: { type: 'plain_text', text: hint },
    element: {
      type: 'plain_text_input',
      action_id: SLACK_IDS.value,
      max_length: 80,
      placeholder: { type: 'plain_text', text: placeholder },
    },
  });
  return [
    { type: 'divider' },
    {
      type: 'input',
      block_id: SLACK_IDS.modalVmOptionsBlock,
      optional: true,
      label: { type: 'plain_text', text: 'After the clone' },
      element: {
        type: 'checkboxes',
        action_id: SLACK_IDS.value,
        options: [
          opt('Start it and report its IP address', 'start'),
          opt('Put my SSH key in (/clone key add)', 'sshkey'),
        ],
      },
    },
    text(SLACK_IDS.modalUserBlock, 'cloud-init user', 'The login to create, e.g. alice', 'alice'),
    text(SLACK_IDS.modalIpBlock, 'IP address', 'dhcp, or 10.0.0.5/24 gw 10.0.0.1', 'dhcp'),
    text(SLACK_IDS.modalLeaseBlock, 'Lease', 'How long it lives: 3d, 12h, or until a date 2027-01-15', '3d'),
  ];
}

/** The `/clone` modal: node (dispatches an action to load templates), template, name, mode, storage, pool. */
export function renderCloneModal(state: CloneModalState): ModalView {
  const metadata: CloneModalMetadata = { channelId: state.channelId };
  if (state.node !== undefined) metadata.node = state.node;
  if (state.nodes !== undefined) metadata.nodes = fitNodes(state.nodes);
  const base = {
    type: 'modal' as const,
    callback_id: SLACK_IDS.cloneModal,
    title: { type: 'plain_text' as const, text: 'Clone a VM' },
    close: { type: 'plain_text' as const, text: 'Cancel' },
    private_metadata: JSON.stringify(metadata),
  };
  const blocks: KnownBlock[] = [];
  if (state.nodes !== undefined && state.nodes.length > 0) {
    const nodes = fitNodes(state.nodes).map((n) => opt(n, n));
    const initial = nodes.find((o) => o.value === state.node);
    blocks.push({
      type: 'input',
      block_id: SLACK_IDS.modalNodeBlock,
      dispatch_action: true,
      label: { type: 'plain_text', text: 'Node' },
      element: {
        type: 'static_select',
        action_id: SLACK_IDS.modalNodeAction,
        placeholder: { type: 'plain_text', text: 'Pick the node to clone on' },
        options: nodes,
        ...(initial ? { initial_option: initial } : {}),
      },
    });
  }
  if (state.notice !== undefined) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(state.notice, SLACK_LIMITS.sectionText) },
    });
  }
  // Slack requires a submit button as soon as a view has an input block (the node picker is one).
  const submit = { type: 'plain_text' as const, text: 'Request clone' };
  const withSubmit = () =>
    blocks.some((b) => b.type === 'input') ? { ...base, submit, blocks } : { ...base, blocks };
  if (state.node === undefined || state.templates === undefined) return withSubmit();
  if (state.templates.length === 0) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `No templates found on *${escapeMrkdwn(state.node)}*. Pick another node.`,
      },
    });
    return withSubmit();
  }
  blocks.push({
    type: 'input',
    block_id: SLACK_IDS.modalTemplateBlock,
    label: { type: 'plain_text', text: 'Template' },
    element: {
      type: 'static_select',
      action_id: SLACK_IDS.value,
      placeholder: { type: 'plain_text', text: 'Pick a template' },
      options: state.templates.slice(0, SLACK_LIMITS.optionsPerSelect).map(templateOption),
    },
  });
  const broken = state.templates.filter((t) => t.problems.length > 0);
  if (broken.length > 0) {
    const lines = broken.map((t) => `⚠ *${t.vmid}*: ${escapeMrkdwn(t.problems.join('; '))}`);
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: truncate(lines.join('\n'), SLACK_LIMITS.sectionText) }],
    });
  }
  blocks.push(
    {
      type: 'input',
      block_id: SLACK_IDS.modalNameBlock,
      label: { type: 'plain_text', text: 'New VM name' },
      hint: { type: 'plain_text', text: 'A DNS name: letters, digits and hyphens, e.g. test-clone' },
      element: { type: 'plain_text_input', action_id: SLACK_IDS.value, max_length: 63 },
    },
    {
      type: 'input',
      block_id: SLACK_IDS.modalModeBlock,
      label: { type: 'plain_text', text: 'Mode' },
      element: {
        type: 'radio_buttons',
        action_id: SLACK_IDS.value,
        initial_option: opt('Full clone (independent copy)', 'full'),
        options: [
          opt('Full clone (independent copy)', 'full'),
          opt('Linked clone (fast, shares the base disk)', 'linked'),
        ],
      },
    },
  );
  const storages = state.storages ?? [];
  blocks.push({
    type: 'input',
    block_id: SLACK_IDS.modalStorageBlock,
    optional: true,
    label: { type: 'plain_text', text: 'Storage' },
    hint: { type: 'plain_text', text: 'Leave empty to use the template’s storage' },
    element:
      storages.length > 0
        ? {
            type: 'static_select',
            action_id: SLACK_IDS.value,
            placeholder: { type: 'plain_text', text: 'Same as the template' },
            options: storages.slice(0, SLACK_LIMITS.optionsPerSelect).map((s) => opt(s, s)),
          }
        : { type: 'plain_text_input', action_id: SLACK_IDS.value },
  });
  blocks.push({
    type: 'input',
    block_id: SLACK_IDS.modalPoolBlock,
    optional: true,
    label: { type: 'plain_text', text: 'Pool' },
    element: { type: 'plain_text_input', action_id: SLACK_IDS.value },
  });
  blocks.push(...vmOptionBlocks());
  return withSubmit();
}
