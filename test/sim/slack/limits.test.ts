import type { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackSim, startSlackSim } from '../../../src/sim/slack/index.ts';
import { simClient } from './sim-client.ts';

let sim: SlackSim;
let client: WebClient;

beforeAll(async () => {
  sim = await startSlackSim();
  client = simClient(sim);
});
afterAll(() => sim.close());

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const button = (over: Record<string, unknown> = {}) => ({
  type: 'button',
  action_id: 'a',
  text: { type: 'plain_text', text: 'Approve' },
  value: 'v',
  ...over,
});
const actions = (el: Record<string, unknown>) => [{ type: 'actions', elements: [el] }];

async function postError(blocks: unknown[], text = 'x'): Promise<unknown> {
  try {
    await client.chat.postMessage({ channel: 'C0CLONES', text, blocks: blocks as never });
  } catch (error) {
    return (error as { data: unknown }).data;
  }
  return undefined;
}

describe('slack sim size limits on messages', () => {
  it('accepts blocks right at the limits', async () => {
    const atLimits = [
      ...Array.from({ length: 47 }, () => ({ type: 'divider' })),
      section('s'.repeat(3000)),
      {
        type: 'section',
        fields: Array.from({ length: 10 }, () => ({ type: 'mrkdwn', text: 'f'.repeat(2000) })),
      },
      ...actions(button({ text: { type: 'plain_text', text: 't'.repeat(75) }, value: 'v'.repeat(2000) })),
    ];
    expect(await postError(atLimits, 'x'.repeat(40_000))).toBeUndefined();
  });

  it.each([
    [
      '51 blocks',
      Array.from({ length: 51 }, () => ({ type: 'divider' })),
      'no more than 50 items allowed [json-pointer:/blocks]',
    ],
    [
      'section text 3001',
      [section('s'.repeat(3001))],
      'must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    ],
    [
      '11 fields',
      [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }],
      'must provide no more than 10 items [json-pointer:/blocks/0/fields]',
    ],
    [
      'field 2001',
      [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] }],
      'must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]',
    ],
    [
      'button text 76',
      actions(button({ text: { type: 'plain_text', text: 't'.repeat(76) } })),
      'must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]',
    ],
    [
      'button value 2001',
      actions(button({ value: 'v'.repeat(2001) })),
      'must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]',
    ],
    [
      'action_id 256',
      actions(button({ action_id: 'a'.repeat(256) })),
      'must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]',
    ],
    [
      'block_id 256',
      [{ type: 'divider', block_id: 'b'.repeat(256) }],
      'must be less than 256 characters [json-pointer:/blocks/0/block_id]',
    ],
    [
      'mrkdwn button text',
      actions(button({ text: { type: 'mrkdwn', text: 'x' } })),
      'must be one of plain_text [json-pointer:/blocks/0/elements/0/text/type]',
    ],
    ['unknown block', [{ type: 'fancy' }], 'unsupported type `fancy` [json-pointer:/blocks/0/type]'],
  ])('rejects %s with invalid_blocks', async (_name, blocks, expected) => {
    const data = (await postError(blocks)) as { ok: boolean; error: string; errors: string[] };
    expect(data.ok).toBe(false);
    expect(data.error).toBe('invalid_blocks');
    expect(data.errors).toContain(expected);
  });

  it('rejects text over 40,000 characters with msg_too_long, and empty messages with no_text', async () => {
    await expect(
      client.chat.postMessage({ channel: 'C0CLONES', text: 'x'.repeat(40_001) }),
    ).rejects.toMatchObject({
      data: { error: 'msg_too_long' },
    });
    await expect(client.chat.postMessage({ channel: 'C0CLONES', text: '' })).rejects.toMatchObject({
      data: { error: 'no_text' },
    });
  });

  it('applies the same limits to chat.update and chat.postEphemeral', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0CLONES', text: 'ok' });
    const big = [section('s'.repeat(3001))];
    await expect(
      client.chat.update({ channel: 'C0CLONES', ts: posted.ts as string, text: 'x', blocks: big as never }),
    ).rejects.toMatchObject({ data: { error: 'invalid_blocks' } });
    await expect(
      client.chat.postEphemeral({
        channel: 'C0CLONES',
        user: 'U0REQUESTER',
        text: 'x',
        blocks: big as never,
      }),
    ).rejects.toMatchObject({ data: { error: 'invalid_blocks' } });
    expect(sim.message('C0CLONES', posted.ts as string)?.text).toBe('ok');
  });
});

describe('slack sim size limits on modals', () => {
  const title = (text: string) => ({ type: 'plain_text', text });
  const modal = (over: Record<string, unknown>) => ({
    type: 'modal',
    title: title('Clone a VM'),
    blocks: [],
    ...over,
  });
  const openError = async (view: Record<string, unknown>) => {
    const trigger = sim.calls().length; // unique per call is not needed: limits are checked before the trigger
    try {
      await client.views.open({ trigger_id: `1.${trigger}.nope`, view: view as never });
    } catch (error) {
      return (error as { data: { error: string; response_metadata?: { messages: string[] } } }).data;
    }
    return undefined;
  };

  it.each([
    ['title 25', modal({ title: title('t'.repeat(25)) }), '/view/title/text'],
    ['submit 25', modal({ submit: title('s'.repeat(25)) }), '/view/submit/text'],
    ['close 25', modal({ close: title('c'.repeat(25)) }), '/view/close/text'],
    ['private_metadata 3001', modal({ private_metadata: 'p'.repeat(3001) }), '/view/private_metadata'],
    [
      '101 blocks',
      modal({ blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) }),
      '/view/blocks',
    ],
    [
      'input without submit',
      modal({
        blocks: [
          { type: 'input', label: title('Name'), element: { type: 'plain_text_input', action_id: 'n' } },
        ],
      }),
      '/view/submit',
    ],
  ])('rejects %s with invalid_arguments naming the field', async (_name, view, pointer) => {
    const data = await openError(view);
    expect(data?.error).toBe('invalid_arguments');
    expect(data?.response_metadata?.messages.join(' ')).toContain(`[json-pointer:${pointer}]`);
  });
});
