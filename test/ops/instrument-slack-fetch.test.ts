import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics.ts';
import { instrumentSlackFetch, slackMethodOf } from '../../src/ops/instrument-slack-fetch.ts';

let server: Server;
let apiUrl: string;

// A minimal Web API: chat.postMessage works, chat.update is rate limited, views.open has a platform error.
beforeAll(async () => {
  server = createServer((req, res) => {
    const method = (req.url ?? '').replace('/api/', '');
    req.resume();
    req.on('end', () => {
      if (method === 'chat.update') {
        res.writeHead(429, { 'Retry-After': '1', 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      if (method === 'views.open') res.end(JSON.stringify({ ok: false, error: 'expired_trigger_id' }));
      else res.end(JSON.stringify({ ok: true, channel: 'C1', ts: '1700000000.000100' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('instrumentSlackFetch', () => {
  it('counts each Web API call and its Slack error, and the client still sees the answer', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const client = new WebClient('xoxb-test', {
      slackApiUrl: apiUrl,
      fetch: instrumentSlackFetch(metrics),
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
    });

    const posted = await client.chat.postMessage({ channel: 'C1', text: 'hello' });
    expect(posted.ts).toBe('1700000000.000100');
    await expect(client.chat.update({ channel: 'C1', ts: '1.2', text: 'x' })).rejects.toMatchObject({
      code: 'slack_webapi_rate_limited_error',
    });
    await expect(
      client.views.open({
        trigger_id: 't',
        view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] },
      }),
    ).rejects.toMatchObject({
      data: { error: 'expired_trigger_id' },
    });

    const text = await metrics.registry.metrics();
    expect(text).toContain('clonebot_slack_api_calls_total{method="chat.postMessage"} 1');
    expect(text).toContain('clonebot_slack_api_calls_total{method="chat.update"} 1');
    expect(text).toContain('clonebot_slack_api_errors_total{method="chat.update",error="ratelimited"} 1');
    expect(text).toContain(
      'clonebot_slack_api_errors_total{method="views.open",error="expired_trigger_id"} 1',
    );
    expect(text).not.toContain('clonebot_slack_api_errors_total{method="chat.postMessage"');
  });

  it('counts a call that got no answer as a network error and rethrows it', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const fetch = instrumentSlackFetch(metrics, () => Promise.reject(new TypeError('fetch failed')));
    await expect(fetch(`${apiUrl}auth.test`)).rejects.toThrow('fetch failed');
    expect(await metrics.registry.metrics()).toContain(
      'clonebot_slack_api_errors_total{method="auth.test",error="network_error"} 1',
    );
  });

  it('names the method from the URL, whatever the base path', () => {
    expect(slackMethodOf('https://slack.com/api/chat.update')).toBe('chat.update');
    expect(slackMethodOf(new URL('http://127.0.0.1:4000/sandbox/api/views.open?x=1'))).toBe('views.open');
  });
});
