import { afterEach, describe, expect, it } from 'vitest';
import { type SlackAppHarness, startSlackAppHarness } from './slack-app-harness.ts';

let h: SlackAppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const body = new URLSearchParams({
  command: '/clone',
  text: 'help',
  user_id: 'U0REQUESTER',
  channel_id: 'C0CLONES',
  response_url: 'http://127.0.0.1:1/nowhere',
  trigger_id: 't',
  team_id: 'T0SANDBOX',
}).toString();

describe('request signing', () => {
  it('answers 401 to a bad signature, a stale timestamp or missing headers, and runs nothing', async () => {
    h = await startSlackAppHarness();
    expect((await h.sim.signedRequest(body, { secret: 'not-the-secret' })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 301;
    const staleRes = await h.sim.signedRequest(body, { timestamp: stale });
    expect(staleRes.status).toBe(401);
    expect(staleRes.body).toBe('');
    expect((await h.sim.signedRequest(body, { omitHeaders: true })).status).toBe(401);
    expect(h.sim.calls()).toEqual([]);
  });

  it('accepts the same body correctly signed', async () => {
    h = await startSlackAppHarness();
    const ok = await h.sim.signedRequest(body);
    expect(ok.status).toBe(200);
  });
});
