import type { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SlackSim, startSlackSim } from '../../../src/sim/slack/index.ts';
import { simClient } from './sim-client.ts';

let sim: SlackSim;
let client: WebClient;

beforeAll(async () => {
  sim = await startSlackSim();
  client = simClient(sim);
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const api = (method: string, body: string, headers: Record<string, string>) =>
  fetch(`${sim.apiUrl}${method}`, { method: 'POST', body, headers }).then(async (r) => ({
    status: r.status,
    type: r.headers.get('content-type'),
    json: (await r.json()) as Record<string, unknown>,
  }));

describe('slack sim Web API', () => {
  it('answers auth.test with the bot identity', async () => {
    const res = await client.auth.test();
    expect(res).toMatchObject({ ok: true, user_id: sim.botUserId, bot_id: sim.botId, team_id: sim.teamId });
  });

  it('posts messages with strictly increasing <sec>.<6 digits> ts and stores thread replies', async () => {
    const first = await client.chat.postMessage({ channel: 'C0CLONES', text: 'one' });
    const second = await client.chat.postMessage({ channel: 'C0CLONES', text: 'two' });
    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
    expect(first.message).toMatchObject({ text: 'one', bot_id: sim.botId, user: sim.botUserId });
    const reply = await client.chat.postMessage({
      channel: 'C0CLONES',
      text: 'r',
      thread_ts: first.ts as string,
    });
    expect(reply.message?.thread_ts).toBe(first.ts);
    expect(sim.messages('C0CLONES').map((m) => m.text)).toEqual(['one', 'two']);
    expect(sim.thread('C0CLONES', first.ts as string).map((m) => m.text)).toEqual(['r']);
    expect(sim.message('C0CLONES', first.ts as string)?.replyCount).toBe(1);
    await expect(
      client.chat.postMessage({ channel: 'C0CLONES', text: 'x', thread_ts: '1.000001' }),
    ).rejects.toMatchObject({ data: { error: 'thread_not_found' } });
  });

  it('answers conversations.history with top-level messages, newest first, metadata only when asked', async () => {
    const metadata = { event_type: 'clone_result', event_payload: { request_id: 'cr-1' } };
    const a = await client.chat.postMessage({ channel: 'C0CLONES', text: 'a', metadata });
    await client.chat.postMessage({ channel: 'C0CLONES', text: 'in thread', thread_ts: a.ts as string });
    await client.chat.postMessage({ channel: 'C0CLONES', text: 'b' });
    const all = await client.conversations.history({ channel: 'C0CLONES' });
    expect(all.messages?.map((m) => m.text)).toEqual(['b', 'a']);
    expect(all.messages?.[1]?.metadata).toBeUndefined();
    const withMeta = await client.conversations.history({ channel: 'C0CLONES', include_all_metadata: true });
    expect(withMeta.messages?.[1]?.metadata).toEqual(metadata);
    const first = await client.conversations.history({ channel: 'C0CLONES', limit: 1 });
    expect(first.has_more).toBe(true);
    const cursor = first.response_metadata?.next_cursor as string;
    const next = await client.conversations.history({ channel: 'C0CLONES', limit: 1, cursor });
    expect(next.messages?.map((m) => m.text)).toEqual(['a']);
    await expect(client.conversations.history({ channel: 'C0NOPE' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
  });

  it('answers conversations.replies with the parent and its replies, paged by cursor', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0CLONES', text: 'parent' });
    const ts = parent.ts as string;
    for (const text of ['a', 'b', 'c'])
      await client.chat.postMessage({ channel: 'C0CLONES', text, thread_ts: ts });
    const all = await client.conversations.replies({ channel: 'C0CLONES', ts });
    expect(all).toMatchObject({ ok: true, has_more: false });
    expect(all.response_metadata?.next_cursor).toBeUndefined();
    expect(all.messages?.map((m) => m.text)).toEqual(['parent', 'a', 'b', 'c']);
    expect(all.messages?.[0]).toMatchObject({ thread_ts: ts, reply_count: 3, bot_id: sim.botId });
    expect(all.messages?.[1]).toMatchObject({ thread_ts: ts, parent_user_id: sim.botUserId });
    // A reply's ts names the same thread; pages follow next_cursor until has_more is false.
    const first = await client.conversations.replies({
      channel: 'C0CLONES',
      ts: all.messages?.[2]?.ts as string,
      limit: 3,
    });
    expect(first.messages?.map((m) => m.text)).toEqual(['parent', 'a', 'b']);
    expect(first.has_more).toBe(true);
    const cursor = first.response_metadata?.next_cursor as string;
    const second = await client.conversations.replies({ channel: 'C0CLONES', ts, limit: 3, cursor });
    expect(second.messages?.map((m) => m.text)).toEqual(['c']);
    expect(second.has_more).toBe(false);
    await expect(client.conversations.replies({ channel: 'C0CLONES', ts: '1.000001' })).rejects.toMatchObject(
      {
        data: { error: 'thread_not_found' },
      },
    );
    await expect(client.conversations.replies({ channel: 'C0NOPE', ts })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
  });

  it('keeps blocks from a form body as JSON and gives them block ids', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }];
    const res = await client.chat.postMessage({ channel: 'C0CLONES', text: 'hi', blocks });
    const stored = sim.message('C0CLONES', res.ts as string);
    expect(stored?.blocks?.[0]).toMatchObject({ type: 'section', text: { text: '*hi*' } });
    expect(typeof stored?.blocks?.[0]?.block_id).toBe('string');
  });

  it('updates in place, marks edited, keeps blocks when omitted, and rejects unknown ts', async () => {
    const blocks = [{ type: 'divider', block_id: 'd' }];
    const posted = await client.chat.postMessage({ channel: 'C0CLONES', text: 'v1', blocks });
    const updated = await client.chat.update({ channel: 'C0CLONES', ts: posted.ts as string, text: 'v2' });
    expect(updated).toMatchObject({ ok: true, ts: posted.ts, text: 'v2' });
    const stored = sim.message('C0CLONES', posted.ts as string);
    expect(stored).toMatchObject({ text: 'v2', updates: 1, blocks });
    expect(stored?.edited?.user).toBe(sim.botUserId);
    await expect(
      client.chat.update({ channel: 'C0CLONES', ts: '1700000000.000001', text: 'x' }),
    ).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
  });

  it('stores ephemerals per user, deletes messages and gives permalinks', async () => {
    const eph = await client.chat.postEphemeral({
      channel: 'C0CLONES',
      user: 'U0REQUESTER',
      text: 'just you',
    });
    expect(eph.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(sim.ephemerals('U0REQUESTER')).toMatchObject([{ text: 'just you', source: 'chat.postEphemeral' }]);
    expect(sim.ephemerals('U0APPROVER')).toEqual([]);
    const posted = await client.chat.postMessage({ channel: 'C0CLONES', text: 'bye' });
    const link = await client.chat.getPermalink({ channel: 'C0CLONES', message_ts: posted.ts as string });
    expect(link.permalink).toBe(`${sim.url}/archives/C0CLONES/p${(posted.ts as string).replace('.', '')}`);
    await client.chat.delete({ channel: 'C0CLONES', ts: posted.ts as string });
    expect(sim.messages('C0CLONES')).toEqual([]);
    await expect(client.chat.delete({ channel: 'C0CLONES', ts: posted.ts as string })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
  });

  it('knows users, user groups and conversations', async () => {
    expect((await client.users.info({ user: 'U0APPROVER' })).user).toMatchObject({
      id: 'U0APPROVER',
      name: 'alex',
    });
    await expect(client.users.info({ user: 'U0NOBODY' })).rejects.toMatchObject({
      data: { error: 'user_not_found' },
    });
    expect((await client.usergroups.users.list({ usergroup: 'S0APPROVERS' })).users).toEqual(['U0APPROVER']);
    sim.setUsergroup('S0OPS', ['U0REQUESTER', 'U0APPROVER']);
    expect((await client.usergroups.users.list({ usergroup: 'S0OPS' })).users).toHaveLength(2);
    const dm = await client.conversations.open({ users: 'U0REQUESTER' });
    expect(dm.channel?.id).toMatch(/^D/);
    await client.chat.postMessage({ channel: 'U0REQUESTER', text: 'dm' });
    expect(sim.messages(dm.channel?.id as string).map((m) => m.text)).toEqual(['dm']);
    expect((await client.conversations.info({ channel: 'C0CLONES' })).channel).toMatchObject({
      name: 'vm-requests',
    });
    await expect(client.chat.postMessage({ channel: 'C0NOPE', text: 'x' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
  });

  it('answers JSON bodies, unknown methods and bad tokens as Slack does', async () => {
    const auth = { authorization: `Bearer ${sim.botToken}` };
    const json = await api('chat.postMessage', JSON.stringify({ channel: 'C0CLONES', text: 'json' }), {
      ...auth,
      'content-type': 'application/json; charset=utf-8',
    });
    expect(json).toMatchObject({ status: 200, type: 'application/json; charset=utf-8', json: { ok: true } });
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    expect((await api('chat.nope', '', { ...auth, ...form })).json).toEqual({
      ok: false,
      error: 'unknown_method',
    });
    const bad = await api('auth.test', '', { authorization: 'Bearer xoxp-user-token', ...form });
    expect(bad.json).toEqual({ ok: false, error: 'invalid_auth' });
    expect((await api('auth.test', '', form)).json).toEqual({ ok: false, error: 'not_authed' });
    expect((await api('auth.test', `token=${sim.botToken}`, form)).json).toMatchObject({ ok: true });
  });

  it('logs calls with parsed args and lets a test wait for one', async () => {
    const waiting = sim.waitForCall('chat.postMessage', (c) => c.args.text === 'later');
    await client.chat.postMessage({ channel: 'C0CLONES', text: 'sooner' });
    await client.chat.postMessage({ channel: 'C0CLONES', text: 'later', blocks: [{ type: 'divider' }] });
    const call = await waiting;
    expect(call).toMatchObject({ method: 'chat.postMessage', status: 200, result: { ok: true } });
    expect(call.args.blocks).toEqual([{ type: 'divider' }]);
    expect(call.args.token).toBeUndefined();
    expect(sim.calls('chat.postMessage')).toHaveLength(2);
    await expect(sim.waitForCall('views.open', undefined, 50)).rejects.toThrow(/no matching views.open call/);
  });
});
