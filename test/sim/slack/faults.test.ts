import { ErrorCode, type WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SlackSim, startSlackSim } from '../../../src/sim/slack/index.ts';
import { ManualClock } from './manual-clock.ts';
import { simClient } from './sim-client.ts';

let sim: SlackSim;
let clock: ManualClock;
let client: WebClient;

beforeAll(async () => {
  clock = new ManualClock();
  sim = await startSlackSim({ clock });
  client = simClient(sim, { rejectRateLimitedCalls: true });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset();
  sim.setRateLimit('chat.update', undefined);
});

const post = (text: string) => client.chat.postMessage({ channel: 'C0CLONES', text });

describe('slack sim fault injection', () => {
  it('answers the next N calls with 429 and an integer Retry-After, then recovers', async () => {
    sim.injectFault('chat.postMessage', { type: 'ratelimited', retryAfterSeconds: 7 }, 2);
    for (let i = 0; i < 2; i += 1) {
      await expect(post('x')).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
    }
    await expect(post('x')).resolves.toMatchObject({ ok: true });
    expect(sim.calls('chat.postMessage').map((c) => c.status)).toEqual([429, 429, 200]);
    const raw = await fetch(`${sim.apiUrl}auth.test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.botToken}` },
    });
    expect(raw.status).toBe(200);
    sim.injectFault('auth.test', { type: 'ratelimited', retryAfterSeconds: 3 });
    const limited = await fetch(`${sim.apiUrl}auth.test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.botToken}` },
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(await limited.json()).toEqual({ ok: false, error: 'ratelimited' });
  });

  it.each(['expired_trigger_id', 'channel_not_found', 'invalid_blocks', 'msg_too_long'])(
    'answers ok:false %s once',
    async (error) => {
      sim.injectFault('chat.postMessage', { type: 'error', error });
      await expect(post('x')).rejects.toMatchObject({
        code: ErrorCode.PlatformError,
        data: { ok: false, error },
      });
      await expect(post('x')).resolves.toMatchObject({ ok: true });
    },
  );

  it('answers HTTP 500 without touching state', async () => {
    sim.injectFault('chat.postMessage', { type: 'http', status: 500 });
    await expect(post('x')).rejects.toMatchObject({ code: ErrorCode.HTTPError, statusCode: 500 });
    expect(sim.messages('C0CLONES')).toEqual([]);
  });

  it('delays a call by clock time', async () => {
    sim.injectFault('chat.postMessage', { type: 'latency', ms: 2000 });
    let done = false;
    const pending = post('slow').then(() => {
      done = true;
    });
    await sim.waitUntil(() => clock.waiting === 1);
    expect(done).toBe(false);
    clock.advance(2000);
    await pending;
    expect(sim.messages('C0CLONES').map((m) => m.text)).toEqual(['slow']);
  });

  it('a fault with a match meets only the calls it accepts; the others pass it by', async () => {
    sim.injectFault('chat.postMessage', { type: 'error', error: 'is_archived' }, 1, (a) => a.text === 'b');
    await expect(post('a')).resolves.toMatchObject({ ok: true });
    expect(sim.pendingFaults('chat.postMessage')).toBe(1);
    await expect(post('b')).rejects.toMatchObject({ data: { error: 'is_archived' } });
    await expect(post('b')).resolves.toMatchObject({ ok: true });
    expect(sim.messages('C0CLONES').map((m) => m.text)).toEqual(['a', 'b']);
  });

  it('limits chat.update to N per minute of clock time when switched on', async () => {
    const posted = await post('progress');
    const update = () => client.chat.update({ channel: 'C0CLONES', ts: posted.ts as string, text: 'tick' });
    sim.setRateLimit('chat.update', 50);
    for (let i = 0; i < 50; i += 1) {
      await update();
      clock.advance(100);
    }
    await expect(update()).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 55 });
    clock.advance(55_000);
    await expect(update()).resolves.toMatchObject({ ok: true });
    expect(sim.message('C0CLONES', posted.ts as string)?.updates).toBe(51);
  });
});
