import { afterEach, describe, expect, it } from 'vitest';
import { APPROVER, CH, type E2E, REQUESTER, startE2E, textOf } from './e2e-harness.ts';
import { waitFor } from './wait-for.ts';

// The bot in Socket Mode against the sim's Socket Mode server: redeliveries, drops, and /healthz on PORT.
let w: E2E | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const socket = { transport: 'socket' as const };
const healthz = async (e2e: E2E) => {
  const res = await fetch(`http://127.0.0.1:${e2e.services.port}/healthz`);
  return { status: res.status, checks: ((await res.json()) as { checks: Record<string, string> }).checks };
};

describe('Socket Mode: a redelivered envelope is handled once', () => {
  it('a /clone whose ack was lost with its connection: redelivered, yet one request and one message', async () => {
    w = await startE2E({}, 100, socket);
    w.slack.socketMode.loseNextAcks(1);
    const { parent, id } = await w.request('112 as sock-once on pve1');
    const sent = w.slack.socketMode.envelopes();
    expect(sent.map((e) => [e.type, e.retryAttempt])).toEqual([
      ['slash_commands', 0],
      ['slash_commands', 1],
    ]);
    expect(w.slack.socketMode.opened()).toBe(2);
    await w.approve(parent);
    await w.thread(parent, (r) => r.length >= 2);
    expect(await w.services.store.listRecent(10)).toHaveLength(1);
    expect(w.slack.messages(CH)).toHaveLength(1);
    expect((await w.services.store.get(id))?.status).toBe('done');
    expect(w.clonePosts()).toBe(1);
  });

  it('a /clone that arrives just as the connection drops: redelivered, handled once, not lost', async () => {
    w = await startE2E({}, 100, socket);
    w.slack.socketMode.dropAfterNextDeliveries(1);
    const res = await w.slack.slashCommand({
      userId: REQUESTER,
      channelId: CH,
      text: '112 as sock-noack on pve1',
    });
    expect(res.socket).toMatchObject({ acked: true, attempts: 2 });
    const parent = await w.slack.waitUntil(() => w?.slack.messages(CH)[0], 10_000);
    expect(textOf(parent)).toContain('sock-noack');
    const records = await waitFor(async () => {
      const r = await w?.services.store.listRecent(10);
      return r !== undefined && r.length > 0 ? r : undefined;
    }, 'the request record');
    expect(records).toHaveLength(1);
    expect(w.slack.messages(CH)).toHaveLength(1);
  });

  it('an Approve click redelivered after its ack was lost starts one clone', async () => {
    w = await startE2E({}, 100, socket);
    const { parent } = await w.request('112 as sock-click on pve1');
    w.slack.socketMode.loseNextAcks(1);
    const res = await w.approve(parent);
    expect(res).toMatchObject({ socket: { acked: true, attempts: 2 } });
    const replies = await w.thread(parent, (r) => r.length >= 2);
    expect(textOf(replies[1])).toContain('is ready');
    expect(w.clonePosts()).toBe(1);
    // The redelivery was acked and dropped: the approver was not told "already approved" by a second run.
    expect(
      w.slack
        .ephemerals(APPROVER)
        .map((e) => e.text)
        .join(' '),
    ).not.toContain('already approved');
  });
});

describe('Socket Mode: Events API envelopes', () => {
  it('app_home_opened arrives as an events_api envelope and the bot publishes the Home tab', async () => {
    w = await startE2E({}, 100, socket);
    const { id } = await w.request('112 as sock-home on pve1');
    const res = await w.slack.openAppHome(REQUESTER);
    expect(res).toMatchObject({ socket: { acked: true, attempts: 1 } });
    const e2e = w;
    const home = await e2e.slack.waitUntil(() =>
      e2e.slack.views(REQUESTER).find((v) => v.type === 'home' && JSON.stringify(v.view).includes(id)),
    );
    expect(home.type).toBe('home');
    expect(e2e.slack.socketMode.envelopes().map((e) => e.type)).toEqual(['slash_commands', 'events_api']);
  });
});

describe('Socket Mode: /healthz on PORT follows the WebSocket', () => {
  it('200 with slack_socket ok while connected, 503 reconnecting after a drop, 200 once back', async () => {
    // A 1.5 s reconnect delay leaves time to see the gap.
    w = await startE2E({}, 100, { ...socket, socketTiming: { clientPingTimeoutMs: 1500 } });
    const e2e = w;
    expect(await healthz(e2e)).toMatchObject({ status: 200, checks: { slack_socket: 'ok', redis: 'ok' } });
    e2e.slack.socketMode.drop();
    const down = await waitFor(async () => {
      const h = await healthz(e2e);
      return h.status === 503 ? h : undefined;
    }, 'a 503 from /healthz');
    expect(down.checks.slack_socket).toBe('reconnecting');
    await e2e.slack.waitUntil(() => e2e.slack.socketMode.connections() === 1, 10_000);
    const up = await waitFor(async () => {
      const h = await healthz(e2e);
      return h.status === 200 ? h : undefined;
    }, 'a 200 from /healthz');
    expect(up.checks.slack_socket).toBe('ok');
    // Socket Mode's Bolt opens no server of its own; /metrics is on PORT too.
    expect((await fetch(`http://127.0.0.1:${e2e.services.port}/metrics`)).status).toBe(200);
  });

  it('disconnect refresh_requested: the bot reconnects and keeps taking commands', async () => {
    w = await startE2E({}, 100, socket);
    w.slack.socketMode.disconnect('refresh_requested');
    await w.slack.waitUntil(() => w?.slack.socketMode.opened() === 2, 10_000);
    const { parent } = await w.request('112 as sock-refresh on pve1');
    expect(textOf(parent)).toContain('Approve');
  });
});

describe('Socket Mode: the app token revoked while the bot runs', () => {
  it('the reconnect is refused (invalid_auth): /healthz says so with a 503, and nothing crashes', async () => {
    w = await startE2E({}, 100, socket);
    const e2e = w;
    e2e.slack.socketMode.revoke(e2e.slack.appToken);
    const down = await waitFor(async () => {
      const h = await healthz(e2e);
      return h.checks.slack_socket?.startsWith('refused') ? h : undefined;
    }, 'the refusal in /healthz');
    expect(down.status).toBe(503);
    expect(down.checks.slack_socket).toBe('refused: invalid_auth (check SLACK_APP_TOKEN)');
    expect(JSON.stringify(down)).not.toContain(e2e.slack.appToken);
  });
});

describe('Socket Mode under a WebSocket that keeps dropping', () => {
  it('eight requests and their approvals while the connection drops every few hundred ms and acks are lost: eight clones, once each', async () => {
    // Back 150 ms after each drop; a late pong only adds drops, which this test is about.
    w = await startE2E({}, 100, { ...socket, socketTiming: { clientPingTimeoutMs: 150 } });
    const e2e = w;
    const names = Array.from({ length: 8 }, (_, i) => `sock-drop-${i + 1}`);
    // The network drops the bot's connection every 400 ms (the client is back 150 ms later).
    const dropper = setInterval(() => e2e.slack.socketMode.drop(), 400);
    try {
      e2e.slack.socketMode.loseNextAcks(3);
      const typed = await Promise.all(
        names.map((name) =>
          e2e.slack.slashCommand({ userId: REQUESTER, channelId: CH, text: `112 as ${name} on pve1` }),
        ),
      );
      const parents = await e2e.slack.waitUntil(() => {
        const posted = e2e.slack.messages(CH);
        return posted.length >= names.length ? posted : undefined;
      }, 20_000);
      e2e.slack.socketMode.loseNextAcks(3);
      const clicked = await Promise.all(parents.map((p) => e2e.approve(p)));
      // Every command and click reached the bot and was acked, some only on a redelivery.
      const all = [...typed, ...clicked] as { socket?: { acked: boolean; attempts: number } }[];
      for (const res of all) expect(res.socket?.acked).toBe(true);
      expect(all.filter((r) => (r.socket?.attempts ?? 0) > 1).length).toBeGreaterThanOrEqual(2);
      await waitFor(
        async () => {
          const recent = await e2e.services.store.listRecent(20);
          return recent.length === names.length && recent.every((r) => r.status === 'done');
        },
        'eight requests done',
        60_000,
      );
    } finally {
      clearInterval(dropper);
    }
    const recent = await e2e.services.store.listRecent(20);
    expect(recent.map((r) => r.request.name).sort()).toEqual([...names].sort());
    expect(e2e.slack.messages(CH)).toHaveLength(names.length);
    expect(e2e.clonePosts()).toBe(names.length);
    // One VM per name: no clone was made twice.
    const made = e2e.pve
      .vms()
      .map((vm) => String(vm.config.name))
      .filter((name) => name.startsWith('sock-drop-'));
    expect(made.sort()).toEqual([...names].sort());
    for (const r of recent) {
      await waitFor(
        async () => (await e2e.services.store.get(r.id))?.resultDelivered,
        'result delivered',
        20_000,
      );
      const replies = e2e.slack.thread(CH, r.messageTs ?? '');
      expect(replies.filter((m) => textOf(m).includes('is ready'))).toHaveLength(1);
    }
    expect(e2e.slack.socketMode.opened()).toBeGreaterThan(2);
  }, 90_000);
});
