import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SlackSim, slackSignature, startSlackSim } from '../../../src/sim/slack/index.ts';
import { simClient } from './sim-client.ts';

// An app that records what Slack sent it and acks with 200.
let app: Server;
let sim: SlackSim;
let received: { headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  app = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  sim = await startSlackSim();
  sim.setAppUrl(`http://127.0.0.1:${(app.address() as AddressInfo).port}/slack/events`);
});
afterAll(async () => {
  await sim.close();
  await new Promise((resolve) => app.close(resolve));
});
beforeEach(() => {
  sim.reset();
  received = [];
});

describe('slack sim App Home', () => {
  it('sends app_home_opened as a signed JSON event_callback, with the published Home tab once there is one', async () => {
    const res = await sim.openAppHome('U0APPROVER');
    expect(res.status).toBe(200);
    const [first] = received;
    expect(first?.headers['content-type']).toBe('application/json');
    const ts = Number(first?.headers['x-slack-request-timestamp']);
    expect(first?.headers['x-slack-signature']).toBe(
      slackSignature(sim.signingSecret, ts, first?.body ?? ''),
    );
    const payload = JSON.parse(first?.body ?? '{}');
    expect(payload).toMatchObject({
      type: 'event_callback',
      team_id: sim.teamId,
      api_app_id: sim.appId,
      authorizations: [{ user_id: sim.botUserId, is_bot: true }],
      event: { type: 'app_home_opened', user: 'U0APPROVER', channel: 'D0APPROVER', tab: 'home' },
    });
    expect(payload.event_id).toMatch(/^Ev[0-9A-F]+$/);
    expect(payload.event.view).toBeUndefined();

    const view = {
      type: 'home' as const,
      blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'hi' } }],
    };
    const published = await simClient(sim).views.publish({ user_id: 'U0APPROVER', view });
    await sim.openAppHome('U0APPROVER', 'messages');
    const second = JSON.parse(received[1]?.body ?? '{}');
    expect(second.event).toMatchObject({ tab: 'messages', view: { id: published.view?.id, type: 'home' } });
    expect(sim.views('U0APPROVER').map((v) => v.type)).toEqual(['home']);
  });
});
