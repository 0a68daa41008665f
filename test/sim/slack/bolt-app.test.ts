import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SlackSim, startSlackSim } from '../../../src/sim/slack/index.ts';

// The real Bolt app in HTTP mode against the sim: proves the sim's signing, payloads and Web API fit Bolt.
let sim: SlackSim;
let app: App;
let server: Server;

const cloneModal = (name = '') => ({
  type: 'modal' as const,
  callback_id: 'clone',
  title: { type: 'plain_text' as const, text: 'Clone a VM' },
  submit: { type: 'plain_text' as const, text: 'Clone' },
  private_metadata: 'C0CLONES',
  blocks: [
    {
      type: 'input' as const,
      block_id: 'node',
      label: { type: 'plain_text' as const, text: 'Node' },
      element: {
        type: 'static_select' as const,
        action_id: 'node',
        options: ['pve1', 'pve2'].map((n) => ({ text: { type: 'plain_text' as const, text: n }, value: n })),
      },
    },
    {
      type: 'input' as const,
      block_id: 'name',
      label: { type: 'plain_text' as const, text: 'Name' },
      element: { type: 'plain_text_input' as const, action_id: 'name', initial_value: name },
    },
  ],
});

beforeAll(async () => {
  sim = await startSlackSim();
  app = new App({
    signingSecret: sim.signingSecret,
    token: sim.botToken,
    botId: sim.botId,
    botUserId: sim.botUserId,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } },
  });
  app.command('/clone', async ({ ack, command, client }) => {
    if (command.text === '') {
      await ack();
      await client.views.open({ trigger_id: command.trigger_id, view: cloneModal() });
      return;
    }
    await ack({ response_type: 'ephemeral', text: `Got: ${command.text}` });
    await client.chat.postMessage({
      channel: command.channel_id,
      text: 'Request',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `*${command.text}*` } },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: 'approve',
              text: { type: 'plain_text', text: 'Approve' },
              value: 'r1',
            },
          ],
        },
      ],
    });
  });
  app.action('approve', async ({ ack, respond, body }) => {
    await ack();
    await respond({ replace_original: true, text: `Approved by <@${body.user.id}>` });
    await respond({ response_type: 'ephemeral', text: 'You approved it' });
  });
  app.view('clone', async ({ ack, view }) => {
    const name = view.state.values.name?.name?.value ?? '';
    if (!/^[a-z][a-z0-9-]*$/.test(name)) {
      await ack({ response_action: 'errors', errors: { name: 'Use a DNS name: a-z, 0-9 and -' } });
      return;
    }
    await ack();
  });
  server = (await app.start(0)) as Server;
  sim.setAppUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`);
});
afterAll(async () => {
  await app.stop();
  await sim.close();
});
beforeEach(() => sim.reset());

describe('slack sim with a real Bolt app', () => {
  it('delivers a slash command; the ack becomes an ephemeral; a click is answered through response_url', async () => {
    const res = await sim.slashCommand({
      userId: 'U0REQUESTER',
      channelId: 'C0CLONES',
      text: '112 as demo-vm on pve1',
    });
    expect(res.status).toBe(200);
    expect(sim.ephemerals('U0REQUESTER')).toMatchObject([
      { text: 'Got: 112 as demo-vm on pve1', source: 'ack' },
    ]);
    const post = await sim.waitForCall('chat.postMessage');
    const ts = post.result.ts as string;
    const click = await sim.clickButton({
      userId: 'U0APPROVER',
      channelId: 'C0CLONES',
      messageTs: ts,
      actionId: 'approve',
    });
    expect(click.status).toBe(200);
    await sim.waitUntil(() => sim.ephemerals('U0APPROVER').length === 1);
    expect(sim.message('C0CLONES', ts)).toMatchObject({ text: 'Approved by <@U0APPROVER>' });
    expect(sim.message('C0CLONES', ts)?.blocks).toBeUndefined();
    expect(sim.ephemerals('U0APPROVER')).toMatchObject([{ text: 'You approved it', source: 'response_url' }]);
    expect(sim.responses().map((r) => r.status)).toEqual([200, 200]);
  });

  it('opens a modal from a slash command, shows field errors, closes it on a good submit', async () => {
    await sim.slashCommand({ userId: 'U0REQUESTER', channelId: 'C0CLONES', text: '' });
    const [view] = await sim.waitUntil(() => {
      const open = sim.views('U0REQUESTER');
      return open.length === 1 ? open : undefined;
    });
    const viewId = view?.id as string;
    const empty = await sim.submitView({ userId: 'U0REQUESTER', viewId, values: { name: { name: 'x' } } });
    expect(empty).toMatchObject({ sent: false, errors: { node: 'Please complete this required field.' } });
    const bad = await sim.submitView({
      userId: 'U0REQUESTER',
      viewId,
      values: { node: { node: 'pve1' }, name: { name: 'Bad Name' } },
    });
    expect(bad).toMatchObject({ status: 200, errors: { name: 'Use a DNS name: a-z, 0-9 and -' } });
    expect(sim.views('U0REQUESTER')).toHaveLength(1);
    const good = await sim.submitView({
      userId: 'U0REQUESTER',
      viewId,
      values: { name: { name: 'demo-vm' } },
    });
    expect(good.status).toBe(200);
    expect(good.errors).toBeUndefined();
    expect(sim.views('U0REQUESTER')).toEqual([]);
  });

  it('is refused by Bolt with 401 for a bad signature or a stale timestamp', async () => {
    const body = 'command=%2Fclone&text=help';
    expect((await sim.signedRequest(body, { secret: 'not-the-secret' })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 301;
    expect((await sim.signedRequest(body, { timestamp: stale })).status).toBe(401);
    expect((await sim.signedRequest(body, { omitHeaders: true })).status).toBe(401);
  });

  it('lets a response_url be used 5 times', async () => {
    await sim.slashCommand({ userId: 'U0REQUESTER', channelId: 'C0CLONES', text: 'x' });
    const post = await sim.waitForCall('chat.postMessage');
    await sim.clickButton({
      userId: 'U0APPROVER',
      channelId: 'C0CLONES',
      messageTs: post.result.ts as string,
      buttonText: 'Approve',
    });
    await sim.waitUntil(() => sim.responses().length === 2);
    const url = sim.responses()[0]?.id as string;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const res = await fetch(`${sim.url}/response/${url}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `again ${i}` }),
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 404]);
  });
});
