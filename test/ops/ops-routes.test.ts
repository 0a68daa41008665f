import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.ts';
import { createMetrics } from '../../src/metrics.ts';
import { createOpsRoutes } from '../../src/ops/ops-routes.ts';
import { type OpsServer, serveOpsRoutes } from '../../src/ops/serve-ops-routes.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** A real Redis client and its PING, as the composition root wires it. */
function redisCheck(url: string): () => Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  cleanups.push(async () => redis.disconnect());
  return async () => {
    if (redis.status === 'wait') await redis.connect();
    await redis.ping();
  };
}

/** A port on which nothing listens: bind one, note it, close it. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** An HTTP server that accepts requests and never answers them (a Proxmox node that hangs); `arrived` resolves on the first. */
async function hangingServer(): Promise<{ url: string; arrived: Promise<void> }> {
  let arrive = () => {};
  const arrived = new Promise<void>((r) => {
    arrive = r;
  });
  const s: Server = createServer(() => arrive());
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  cleanups.push(async () => {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  });
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/api2/json/version`, arrived };
}

/** A clock that moves only when advanced: the check timeout fires exactly when the test says so. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  const sleepers: { until: number; resolve: () => void }[] = [];
  return {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        const entry = { until: now + ms, resolve };
        sleepers.push(entry);
        signal?.addEventListener('abort', () => {
          sleepers.splice(sleepers.indexOf(entry), 1);
          reject(signal.reason);
        });
      }),
    advance(ms) {
      now += ms;
      for (const s of sleepers.filter((e) => e.until <= now)) s.resolve();
    },
  };
}

async function serve(...args: Parameters<typeof createOpsRoutes>): Promise<OpsServer> {
  const server = await serveOpsRoutes(createOpsRoutes(...args), 0, '127.0.0.1');
  cleanups.push(() => server.close());
  return server;
}

describe('/healthz', () => {
  it('answers 200 with every check ok when Redis and Proxmox answer', async () => {
    const { port } = await serve({
      metrics: createMetrics({ defaultMetrics: false }),
      checks: { redis: redisCheck('redis://127.0.0.1:6379'), proxmox: async () => {} },
    });
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({ status: 'ok', checks: { redis: 'ok', proxmox: 'ok' } });
  });

  it('answers 503 naming the unreachable Redis, without secrets in the reasons', async () => {
    const redisPort = await closedPort();
    const secret = '0f6c1d2e-1111-2222-3333-444455556666';
    const { port } = await serve({
      metrics: createMetrics({ defaultMetrics: false }),
      checks: {
        redis: redisCheck(`redis://:hunter2@127.0.0.1:${redisPort}`),
        proxmox: async () => {},
        slack: async () => {
          throw new Error(
            `auth.test failed for https://bot:${secret}@slack.example/api with xoxb-123-456-abc`,
          );
        },
      },
    });
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(503);
    const text = await res.text();
    const body = JSON.parse(text) as { status: string; checks: Record<string, string> };
    expect(body.status).toBe('fail');
    expect(body.checks.redis).toMatch(/ECONNREFUSED|Connection is closed/);
    expect(body.checks.proxmox).toBe('ok');
    expect(body.checks.slack).toBe(
      'auth.test failed for https://[redacted]@slack.example/api with [redacted]',
    );
    expect(text).not.toContain(secret);
    expect(text).not.toContain('hunter2');
  });

  it('answers 503 when Proxmox hangs, once the per-check timeout passes', async () => {
    const proxmox = await hangingServer();
    const clock = manualClock();
    const { port } = await serve({
      metrics: createMetrics({ defaultMetrics: false }),
      checks: {
        redis: async () => {},
        proxmox: async () => {
          await fetch(proxmox.url);
        },
      },
      timeoutMs: 3000,
      clock,
    });
    const answer = fetch(`http://127.0.0.1:${port}/healthz`);
    await proxmox.arrived;
    clock.advance(3000);
    const res = await answer;
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'fail',
      checks: { redis: 'ok', proxmox: 'no answer within 3000 ms' },
    });
  });

  it('refuses other methods and paths', async () => {
    const { port } = await serve({
      metrics: createMetrics({ defaultMetrics: false }),
      checks: { redis: async () => {}, proxmox: async () => {} },
    });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
  });
});

describe('/metrics', () => {
  it('serves the Prometheus text with every clonebot metric after observations', async () => {
    const metrics = createMetrics();
    metrics.setQueueDepthSource(async () => 7);
    metrics.recordClone({
      ok: true,
      vmid: 200,
      name: 'demo-vm',
      node: 'pve1',
      mode: 'full',
      templateVmid: 112,
      bootDisk: 'scsi0',
      durationMs: 42_000,
      upid: 'UPID:pve1:0001A2B3:00C4D5E6:66F1A2B3:qmclone:112:bot@pve!slack:',
    });
    metrics.recordClone({
      ok: false,
      durationMs: 1500,
      diagnosis: { reason: 'template-missing-disk', summary: 'Template 113 has no boot disk', advice: [] },
    });
    // A user's cancel is its own outcome: an alert on failures must not fire for it.
    metrics.recordClone({
      ok: false,
      durationMs: 9000,
      diagnosis: { reason: 'cancelled', summary: 'Clone of VM 106 cancelled', advice: [] },
    });
    metrics.recordProxmoxCall({ method: 'GET', status: 200, ok: true });
    metrics.recordProxmoxCall({ method: 'post', status: 500, ok: false });
    metrics.recordProxmoxCall({ method: 'GET', ok: false });
    metrics.recordSlackCall('chat.update', 'ratelimited');
    metrics.recordSlackCall('chat.postMessage');
    const { port } = await serve({ metrics, checks: { redis: async () => {}, proxmox: async () => {} } });

    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('clonebot_clone_duration_seconds_bucket{le="60",outcome="success"} 1');
    expect(text).toContain('clonebot_clone_duration_seconds_count{outcome="failure"} 1');
    expect(text).toContain('clonebot_clone_outcomes_total{outcome="success",reason="ok"} 1');
    expect(text).toContain(
      'clonebot_clone_outcomes_total{outcome="failure",reason="template-missing-disk"} 1',
    );
    expect(text).toContain('clonebot_clone_outcomes_total{outcome="cancelled",reason="cancelled"} 1');
    expect(text).toContain('clonebot_clone_duration_seconds_count{outcome="cancelled"} 1');
    expect(text).not.toMatch(/outcome="failure",reason="cancelled"/);
    expect(text).toContain('clonebot_queue_depth 7');
    expect(text).toContain('clonebot_proxmox_api_calls_total{method="GET",status_class="2xx"} 1');
    expect(text).toContain('clonebot_proxmox_api_errors_total{method="POST",status_class="5xx"} 1');
    expect(text).toContain('clonebot_proxmox_api_errors_total{method="GET",status_class="none"} 1');
    expect(text).not.toContain('clonebot_proxmox_api_errors_total{method="GET",status_class="2xx"}');
    expect(text).toContain('clonebot_slack_api_calls_total{method="chat.update"} 1');
    expect(text).toContain('clonebot_slack_api_errors_total{method="chat.update",error="ratelimited"} 1');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('still answers when the queue depth cannot be read', async () => {
    const metrics = createMetrics({
      defaultMetrics: false,
      queueDepth: () => Promise.reject(new Error('down')),
    });
    const { port } = await serve({ metrics, checks: { redis: async () => {}, proxmox: async () => {} } });
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^clonebot_queue_depth nan$/im);
  });
});

describe('as Bolt customRoutes', () => {
  it('serves /healthz and /metrics next to /slack/events on the Bolt HTTP server', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const app = new App({
      signingSecret: 'test-signing-secret',
      token: 'xoxb-test',
      // With both ids Bolt does not call auth.test at start.
      botId: 'B0TEST',
      botUserId: 'U0BOT',
      logLevel: LogLevel.ERROR,
      customRoutes: createOpsRoutes({
        metrics,
        checks: { redis: async () => {}, proxmox: () => Promise.reject(new Error('595 No route to host')) },
      }),
    });
    const server = (await app.start(0)) as Server;
    cleanups.push(() => app.stop());
    const { port } = server.address() as AddressInfo;

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({
      status: 'fail',
      checks: { redis: 'ok', proxmox: '595 No route to host' },
    });
    const scrape = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain('# TYPE clonebot_clone_outcomes_total counter');
    // Bolt's own endpoint is still there and still checks signatures.
    expect((await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', body: 'x' })).status).toBe(
      401,
    );
  });
});
