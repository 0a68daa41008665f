import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CH, type E2E, REQUESTER, startE2E, TRANSPORTS } from './e2e-harness.ts';

describe.each(TRANSPORTS)('/clone health through the real app (over %s)', (transport) => {
  let e: E2E;
  beforeAll(async () => {
    e = await startE2E({}, undefined, { transport });
  });
  afterAll(() => e.close());

  it('answers the requester alone with the report: each problem with its fix', async () => {
    const ack = await e.slack.slashCommand({ userId: REQUESTER, channelId: CH, text: 'health' });
    expect(ack.status).toBe(200);
    const report = await e.slack.waitUntil(() => {
      const posts = e.slack.responses().map((r) => JSON.stringify(r.body));
      return posts.some((p) => p.includes('113')) ? posts : undefined;
    }, 15_000);
    const text = report.join('\n');
    // Template 113 of the demo cluster has its only disk in unused0; the report says so and how to fix it.
    expect(text).toMatch(/113/);
    expect(text).toMatch(/unused0/);
    expect(text).toMatch(/qm set 113/);
    for (const r of e.slack.responses()) {
      const body = r.body as { response_type?: string };
      expect(body.response_type ?? 'ephemeral').toBe('ephemeral');
    }
    // Nothing was posted in the channel for everyone.
    expect(e.slack.messages(CH)).toHaveLength(0);
  });
});
