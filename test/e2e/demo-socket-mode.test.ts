import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Demo, startDemo } from '../../src/demo.ts';
import { createLogger } from '../../src/logger.ts';

// `DEMO_SLACK_MODE=socket npm run demo`: the sandbox reaches the bot over Socket Mode instead of HTTP.
let demo: Demo | undefined;
beforeAll(async () => {
  demo = await startDemo({
    port: 0,
    timeScale: 60,
    slackMode: 'socket',
    redisUrl: 'redis://127.0.0.1:6379',
    logger: createLogger('silent'),
    env: { PROGRESS_INTERVAL_SECONDS: '1', LOG_LEVEL: 'silent' },
  });
});
afterAll(async () => {
  await demo?.stop();
});

describe('the demo in Socket Mode', () => {
  it('the sandbox page shows the bot connected, and a /clone is approved and finished over the socket', async () => {
    const d = demo as Demo;
    const state = (await (await fetch(`${d.sandboxUrl}/sandbox/state`)).json()) as { appConnected: boolean };
    expect(state.appConnected).toBe(true);
    expect(d.slack.socketMode.connections()).toBe(1);
    const channel = 'C0CLONES';
    // What the sandbox page posts when a person types the command.
    const typed = await fetch(`${d.sandboxUrl}/sandbox/command`, {
      method: 'POST',
      body: JSON.stringify({ userId: 'U0REQUESTER', channelId: channel, text: '112 as demo-sock on pve1' }),
    });
    expect(((await typed.json()) as { status: number }).status).toBe(200);
    const parent = await d.slack.waitUntil(() => d.slack.messages(channel)[0], 10_000);
    await d.slack.clickButton({
      userId: 'U0APPROVER',
      channelId: channel,
      messageTs: parent.ts,
      buttonText: 'Approve',
    });
    const replies = await d.slack.waitUntil(() => {
      const r = d.slack.thread(channel, parent.ts);
      return r.length >= 2 ? r : undefined;
    }, 30_000);
    expect(JSON.stringify(replies[1])).toContain('is ready');
    expect(d.slack.socketMode.envelopes().map((e) => e.type)).toEqual(['slash_commands', 'interactive']);
    const health = await fetch(`http://127.0.0.1:${d.services.port}/healthz`);
    expect(health.status).toBe(200);
  }, 60_000);
});
