import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SlackSim, slackSignature, startSlackSim } from '../../../src/sim/slack/index.ts';

// A bare app that checks Slack's signature with its own HMAC code, and answers what the test sets.
interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  signatureValid: boolean;
}
let received: Received[] = [];
let reply: { status: number; body: string; type?: string } = { status: 200, body: '' };
let app: Server;
let sim: SlackSim;
const SECRET = 'test-signing-secret-0123456789';

function verify(headers: IncomingHttpHeaders, body: string): boolean {
  const ts = String(headers['x-slack-request-timestamp']);
  const expected = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  const got = String(headers['x-slack-signature']);
  return got.length === expected.length && timingSafeEqual(Buffer.from(got), Buffer.from(expected));
}

beforeAll(async () => {
  app = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push({ headers: req.headers, body, signatureValid: verify(req.headers, body) });
    res.writeHead(reply.status, reply.type ? { 'content-type': reply.type } : {}).end(reply.body);
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  sim = await startSlackSim({ signingSecret: SECRET });
  sim.setAppUrl(`http://127.0.0.1:${(app.address() as AddressInfo).port}/slack/events`);
});
afterAll(async () => {
  await sim.close();
  await new Promise((resolve) => app.close(resolve));
});
beforeEach(() => {
  sim.reset();
  received = [];
  reply = { status: 200, body: '' };
});

describe('slack sim request signing', () => {
  it('computes the v0 HMAC-SHA256 signature', () => {
    const expected = createHmac('sha256', 's').update('v0:1700000000:a=b').digest('hex');
    expect(slackSignature('s', 1700000000, 'a=b')).toBe(`v0=${expected}`);
  });

  it('sends a slash command as Slack does: exact content type, signed, all fields', async () => {
    const res = await sim.slashCommand({
      userId: 'U0REQUESTER',
      channelId: 'C0CLONES',
      text: '112 as demo-vm on pve1',
    });
    expect(res.status).toBe(200);
    const [req] = received;
    expect(req?.signatureValid).toBe(true);
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const sentAt = Number(req?.headers['x-slack-request-timestamp']);
    expect(Math.abs(sentAt - Date.now() / 1000)).toBeLessThan(5);
    const fields = Object.fromEntries(new URLSearchParams(req?.body));
    expect(Object.keys(fields).sort()).toEqual(
      [
        'token',
        'team_id',
        'team_domain',
        'channel_id',
        'channel_name',
        'user_id',
        'user_name',
        'command',
        'text',
        'api_app_id',
        'is_enterprise_install',
        'response_url',
        'trigger_id',
      ].sort(),
    );
    expect(fields).toMatchObject({
      command: '/clone',
      text: '112 as demo-vm on pve1',
      user_id: 'U0REQUESTER',
      user_name: 'riley',
      channel_id: 'C0CLONES',
      channel_name: 'vm-requests',
      trigger_id: res.triggerId,
    });
    expect(fields.response_url).toMatch(new RegExp(`^${sim.url}/response/[0-9a-f]+$`));
  });

  it('sends block_actions as one payload field, signed', async () => {
    const blocks = [
      {
        type: 'actions',
        block_id: 'decision',
        elements: [
          {
            type: 'button',
            action_id: 'approve',
            text: { type: 'plain_text', text: 'Approve' },
            value: 'req-1',
          },
          { type: 'button', action_id: 'deny', text: { type: 'plain_text', text: 'Deny' }, value: 'req-1' },
        ],
      },
    ];
    const token = { authorization: `Bearer ${sim.botToken}`, 'content-type': 'application/json' };
    const posted = (await fetch(`${sim.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: token,
      body: JSON.stringify({ channel: 'C0CLONES', text: 'Request', blocks }),
    }).then((r) => r.json())) as { ts: string };
    await sim.clickButton({
      userId: 'U0APPROVER',
      channelId: 'C0CLONES',
      messageTs: posted.ts,
      buttonText: 'Deny',
    });
    const [req] = received;
    expect(req?.signatureValid).toBe(true);
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(req?.body);
    expect([...form.keys()]).toEqual(['payload']);
    const payload = JSON.parse(form.get('payload') as string);
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0APPROVER', username: 'alex', team_id: sim.teamId },
      team: { id: sim.teamId },
      api_app_id: sim.appId,
      container: { type: 'message', message_ts: posted.ts, channel_id: 'C0CLONES', is_ephemeral: false },
      channel: { id: 'C0CLONES' },
      message: { ts: posted.ts, text: 'Request', blocks },
      actions: [{ type: 'button', action_id: 'deny', block_id: 'decision', value: 'req-1' }],
    });
    expect(payload.trigger_id).toEqual(expect.any(String));
    expect(payload.response_url).toMatch(/\/response\//);
    expect(payload.actions[0].action_ts).toMatch(/^\d+\.\d{6}$/);
  });

  it('can send a wrong secret, a stale timestamp, a given signature or content type', async () => {
    await sim.signedRequest('a=1', { secret: 'wrong' });
    await sim.signedRequest('a=1', { timestamp: 1_600_000_000 });
    await sim.signedRequest('a=1', {
      signature: 'v0=00',
      contentType: 'application/x-www-form-urlencoded; charset=utf-8',
    });
    await sim.signedRequest('a=1', { omitHeaders: true });
    expect(received.map((r) => r.signatureValid)).toEqual([false, true, false, false]);
    expect(received[1]?.headers['x-slack-request-timestamp']).toBe('1600000000');
    expect(received[2]?.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    expect(received[3]?.headers['x-slack-signature']).toBeUndefined();
  });

  it('shows a slash command ack as an ephemeral, in_channel as a message, a failure as Slackbot text', async () => {
    reply = { status: 200, type: 'application/json', body: JSON.stringify({ text: 'Usage: /clone …' }) };
    await sim.slashCommand({ userId: 'U0REQUESTER', channelId: 'C0CLONES', text: 'nonsense' });
    expect(sim.ephemerals('U0REQUESTER')).toMatchObject([{ text: 'Usage: /clone …', source: 'ack' }]);
    reply = {
      status: 200,
      type: 'application/json',
      body: JSON.stringify({ response_type: 'in_channel', text: 'hi' }),
    };
    await sim.slashCommand({ userId: 'U0REQUESTER', channelId: 'C0CLONES', text: 'x' });
    expect(sim.messages('C0CLONES').map((m) => m.text)).toEqual(['hi']);
    reply = { status: 404, body: '' };
    const res = await sim.slashCommand({ userId: 'U0REQUESTER', channelId: 'C0CLONES', text: 'x' });
    expect(res.status).toBe(404);
    expect(sim.ephemerals('U0REQUESTER').at(-1)).toMatchObject({
      source: 'slackbot',
      text: '/clone failed with the error "operation_timeout"',
    });
  });
});
