import { SocketModeClient } from '@slack/socket-mode';
import { type Logger, LogLevel, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SIM_APP_TOKEN, type SlackSim, startSlackSim } from '../../../src/sim/slack/index.ts';
import { simClient } from './sim-client.ts';

// The real @slack/socket-mode client (what Bolt's SocketModeReceiver runs) against the sim's Socket Mode.
type SlackEvent = {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  type: string;
  body: Record<string, unknown>;
  retry_num?: number;
  retry_reason?: string;
};

let sim: SlackSim;
let client: SocketModeClient | undefined;
const quiet: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

function connect(onEvent: (e: SlackEvent) => void): SocketModeClient {
  // clientPingTimeout also sets the client's reconnect delay (timeout × consecutive failures).
  const c = new SocketModeClient({
    appToken: SIM_APP_TOKEN,
    logger: quiet,
    clientPingTimeout: 100,
    clientOptions: { slackApiUrl: sim.apiUrl },
  });
  c.on('slack_event', (e: SlackEvent) => onEvent(e));
  client = c;
  return c;
}

beforeEach(async () => {
  sim = await startSlackSim({
    transport: 'socket',
    appToken: SIM_APP_TOKEN,
    socketTiming: { ackTimeoutMs: 300, connectionWaitMs: 3000, maxRetries: 2, warningGraceMs: 200 },
  });
});
afterEach(async () => {
  await client?.disconnect();
  client = undefined;
  await sim.close();
});

describe('slack sim Socket Mode: apps.connections.open', () => {
  it('takes only an app-level token: a bot token is the wrong type, an unknown or revoked one is invalid_auth', async () => {
    const open = (token: string) =>
      new WebClient(token, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } }).apps.connections
        .open({})
        .catch((e: { data?: { error?: string } }) => e.data?.error);
    expect(await open('xoxb-sandbox-token')).toBe('not_allowed_token_type');
    expect(await open('xapp-1-A0OTHER-1-wrong')).toBe('invalid_auth');
    const ok = (await open(SIM_APP_TOKEN)) as { ok: boolean; url: string };
    expect(ok.ok).toBe(true);
    expect(ok.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[\w-]+&app_id=A0CLONEBOT$/);
    sim.socketMode.revoke(SIM_APP_TOKEN);
    expect(await open(SIM_APP_TOKEN)).toBe('invalid_auth');
    // The call log never keeps the token.
    expect(JSON.stringify(sim.calls('apps.connections.open'))).not.toContain('xapp-');
  });

  it('refuses a WebSocket upgrade without a fresh ticket, and a ticket used twice', async () => {
    const statusOf = (url: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url);
        ws.once('open', () => {
          resolve(101);
          ws.close();
        });
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', () => resolve(0));
      });
    expect(await statusOf(`${sim.url.replace('http', 'ws')}/link/?ticket=made-up`)).toBe(401);
    const { url } = (await new WebClient(SIM_APP_TOKEN, { slackApiUrl: sim.apiUrl }).apps.connections.open(
      {},
    )) as { url: string };
    expect(await statusOf(url)).toBe(101);
    expect(await statusOf(url)).toBe(401);
  });
});

describe('slack sim Socket Mode: envelopes', () => {
  it('starts with hello, then delivers a slash command whose ack payload shows as the ephemeral', async () => {
    const c = connect((e) => {
      expect(e.type).toBe('slash_commands');
      void e.ack({ response_type: 'ephemeral', text: `got ${String(e.body.text)}` });
    });
    await c.start();
    expect(sim.socketMode.connections()).toBe(1);
    const res = await sim.slashCommand({ userId: 'U0REQUESTER', channelId: 'C0CLONES', text: 'help' });
    expect(res.status).toBe(200);
    expect(res.socket).toMatchObject({ acked: true, attempts: 1 });
    expect(sim.ephemerals('U0REQUESTER').map((m) => m.text)).toEqual(['got help']);
    const [sent] = sim.socketMode.envelopes();
    expect(sent).toMatchObject({ type: 'slash_commands', retryAttempt: 0 });
  });

  it('redelivers an envelope not acked within the deadline, with retry_attempt and retry_reason', async () => {
    const seen: SlackEvent[] = [];
    const c = connect((e) => {
      seen.push(e);
      if (seen.length === 2) void e.ack();
    });
    await c.start();
    const res = await sim.clickButton({
      userId: 'U0APPROVER',
      channelId: 'C0CLONES',
      messageTs: await postButton(),
      buttonText: 'Approve',
    });
    expect(res.socket).toMatchObject({ acked: true, attempts: 2 });
    expect(seen.map((e) => [e.type, e.retry_num, e.retry_reason])).toEqual([
      ['interactive', 0, ''],
      ['interactive', 1, 'http_timeout'],
    ]);
    // The same envelope and the same payload, trigger_id included: what a guard can key on.
    expect(seen[1]?.body).toEqual(seen[0]?.body);
  });

  it("gives up after the last retry: the person sees Slack's operation_timeout", async () => {
    const c = connect(() => undefined);
    await c.start();
    const res = await sim.slashCommand({ userId: 'U0REQUESTER', channelId: 'C0CLONES', text: 'x' });
    expect(res.socket).toMatchObject({ acked: false, attempts: 3, error: 'operation_timeout' });
    expect(sim.ephemerals('U0REQUESTER').map((m) => m.text)).toEqual([
      '/clone failed with the error "operation_timeout"',
    ]);
  });

  it('delivers an Events API callback as events_api', async () => {
    const types: string[] = [];
    const c = connect((e) => {
      types.push(`${e.type}:${String((e.body.event as { type: string }).type)}`);
      void e.ack();
    });
    await c.start();
    await sim.openAppHome('U0APPROVER');
    expect(types).toEqual(['events_api:app_home_opened']);
  });
});

describe('slack sim Socket Mode: disconnects and drops', () => {
  it('disconnect refresh_requested: the client reconnects on a new URL and envelopes flow again', async () => {
    const c = connect((e) => void e.ack({ text: 'ok' }));
    await c.start();
    const reconnected = new Promise((resolve) => c.once('connected', resolve));
    sim.socketMode.disconnect('refresh_requested');
    await reconnected;
    expect(sim.socketMode.opened()).toBe(2);
    expect(sim.calls('apps.connections.open')).toHaveLength(2);
    const res = await sim.slashCommand({ userId: 'U0REQUESTER', channelId: 'C0CLONES', text: 'x' });
    expect(res.socket).toMatchObject({ acked: true, attempts: 1 });
  });

  it('disconnect warning: the client reconnects; a client that ignores it is closed after the grace period', async () => {
    const c = connect((e) => void e.ack());
    await c.start();
    const reconnected = new Promise((resolve) => c.once('connected', resolve));
    sim.socketMode.disconnect('warning');
    await reconnected;
    expect(sim.socketMode.opened()).toBe(2);
    await c.disconnect();
    client = undefined;
    await sim.waitUntil(() => sim.socketMode.connections() === 0);

    // A bare WebSocket that reads the warning and stays: Slack closes it itself.
    const { url } = (await new WebClient(SIM_APP_TOKEN, { slackApiUrl: sim.apiUrl }).apps.connections.open(
      {},
    )) as { url: string };
    const ws = new WebSocket(url);
    const messages: string[] = [];
    ws.on('message', (m) => messages.push(String(m)));
    await new Promise((resolve) => ws.once('open', resolve));
    await sim.waitUntil(() => sim.socketMode.connections() === 1);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    sim.socketMode.disconnect('warning');
    expect(await closed).toBe(1001);
    expect(
      messages.map((m) => (JSON.parse(m) as { type: string; reason?: string }).reason ?? 'hello'),
    ).toEqual(['hello', 'warning']);
  });

  it('a dropped connection: an envelope sent meanwhile waits for the reconnect and is delivered once', async () => {
    const seen: SlackEvent[] = [];
    const c = connect((e) => {
      seen.push(e);
      void e.ack();
    });
    await c.start();
    sim.socketMode.drop();
    await sim.waitUntil(() => sim.socketMode.connections() === 0);
    const res = await sim.slashCommand({ userId: 'U0REQUESTER', channelId: 'C0CLONES', text: 'x' });
    expect(res.socket).toMatchObject({ acked: true, attempts: 1 });
    expect(seen).toHaveLength(1);
    expect(sim.socketMode.opened()).toBe(2);
  });

  it('an ack lost with its connection: Slack redelivers on the next connection (retry_reason connection_failed)', async () => {
    const seen: SlackEvent[] = [];
    const c = connect((e) => {
      seen.push(e);
      void e.ack();
    });
    await c.start();
    sim.socketMode.loseNextAcks(1);
    const res = await sim.slashCommand({ userId: 'U0REQUESTER', channelId: 'C0CLONES', text: 'x' });
    expect(res.socket).toMatchObject({ acked: true, attempts: 2 });
    expect(seen.map((e) => [e.retry_num, e.retry_reason])).toEqual([
      [0, ''],
      [1, 'connection_failed'],
    ]);
  });
});

/** A message with an Approve button, posted as the bot would. */
async function postButton(): Promise<string> {
  const res = await simClient(sim).chat.postMessage({
    channel: 'C0CLONES',
    text: 'request',
    blocks: [
      {
        type: 'actions',
        elements: [{ type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' } }],
      },
    ],
  });
  return res.ts ?? '';
}
