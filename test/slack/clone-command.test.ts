import { afterEach, describe, expect, it } from 'vitest';
import { type SlackAppHarness, standInEngine, startSlackAppHarness } from './slack-app-harness.ts';

const CH = 'C0CLONES';
let h: SlackAppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Types `/clone text` as `user` and waits for the answer posted to the command's response_url. */
async function ask(harness: SlackAppHarness, user: string, text: string, channelId = CH) {
  const replies = () => harness.sim.ephemerals(user).filter((e) => e.source === 'response_url');
  const before = replies().length;
  await harness.sim.slashCommand({ userId: user, channelId, text });
  const reply = await harness.sim.waitUntil(() => replies()[before]);
  return `${reply.text} ${JSON.stringify(reply.blocks ?? [])}`;
}

const lastEphemeralText = (harness: SlackAppHarness, user: string) =>
  harness.sim
    .ephemerals(user)
    .map((e) => `${e.text} ${JSON.stringify(e.blocks ?? [])}`)
    .at(-1) ?? '';

describe('/clone <request>', () => {
  it('bad text: ephemeral error with the usage line, nothing stored or queued', async () => {
    h = await startSlackAppHarness();
    const res = await h.sim.slashCommand({
      userId: 'U0REQUESTER',
      channelId: CH,
      text: '112 test-clone on pve1',
    });
    expect(res.status).toBe(200);
    const eph = h.sim.ephemerals('U0REQUESTER');
    expect(eph).toHaveLength(1);
    expect(eph[0]?.source).toBe('ack');
    expect(lastEphemeralText(h, 'U0REQUESTER')).toContain("Missing 'as &lt;name&gt;'");
    expect(lastEphemeralText(h, 'U0REQUESTER')).toContain(
      'Usage: `/clone &lt;template&gt; as &lt;name&gt; on &lt;node&gt;',
    );
    expect(await h.store.listRecent(10)).toEqual([]);
    expect(await h.jobIds()).toEqual([]);
    expect(h.sim.messages(CH)).toEqual([]);
  });

  it('a cluster error (unknown node) is answered via response_url after a fast ack, nothing stored', async () => {
    h = await startSlackAppHarness();
    await h.sim.slashCommand({ userId: 'U0REQUESTER', channelId: CH, text: '112 as web-1 on pve9' });
    const reply = await h.sim.waitUntil(() =>
      h?.sim.ephemerals('U0REQUESTER').find((e) => e.source === 'response_url'),
    );
    expect(reply.text).toContain("Node 'pve9' does not exist");
    // Typed right, just not possible: no usage line. The answer replaces the "Checking…" ack.
    expect(JSON.stringify(reply.blocks)).not.toContain('Usage:');
    expect(h.sim.ephemerals('U0REQUESTER')).toHaveLength(1);
    expect(h.sim.ephemerals('U0REQUESTER')[0]?.text).not.toContain('Checking');
    const acked = h.sim.responses();
    expect(acked.map((p) => (p.body as { replace_original?: unknown }).replace_original)).toEqual([true]);
    expect(await h.store.listRecent(10)).toEqual([]);
    expect(await h.jobIds()).toEqual([]);
  });

  it('a name already used is refused the same way', async () => {
    h = await startSlackAppHarness({ engine: standInEngine({ taken: ['web-1'] }) });
    await h.sim.slashCommand({ userId: 'U0REQUESTER', channelId: CH, text: '112 as web-1 on pve1' });
    const reply = await h.sim.waitUntil(() =>
      h?.sim.ephemerals('U0REQUESTER').find((e) => e.source === 'response_url'),
    );
    expect(reply.text).toContain('already exists');
    expect(await h.store.listRecent(10)).toEqual([]);
  });

  it('a good request is stored pending and posted with Approve/Deny; nothing queued yet', async () => {
    h = await startSlackAppHarness();
    const confirm = await ask(h, 'U0REQUESTER', '112 as web-1 on pve1 linked pool lab');
    expect(confirm).toContain('waits for an approver');
    const posted = await h.sim.waitUntil(() => h?.sim.messages(CH)[0]);
    const [record] = await h.store.listRecent(10);
    expect(record?.status).toBe('pending');
    expect(record?.messageTs).toBe(posted.ts);
    expect(record?.request).toMatchObject({ name: 'web-1', node: 'pve1', mode: 'linked', pool: 'lab' });
    const blocks = JSON.stringify(posted.blocks);
    expect(blocks).toContain('Approve');
    expect(blocks).toContain('Deny');
    expect(blocks).toContain('<@U0REQUESTER>');
    expect(blocks).toContain(`"value":"${record?.id}"`);
    expect(await h.jobIds()).toEqual([]);
  });

  it('without required approval the request is queued at once (job id = request id)', async () => {
    h = await startSlackAppHarness({ env: { CLONE_REQUIRE_APPROVAL: 'false' } });
    await h.sim.slashCommand({ userId: 'U0REQUESTER', channelId: CH, text: '112 as web-1 on pve1' });
    await h.sim.waitUntil(() => h?.sim.ephemerals('U0REQUESTER').find((e) => e.source === 'response_url'));
    const [record] = await h.store.listRecent(10);
    expect(record?.status).toBe('approved');
    expect(await h.jobIds()).toEqual([record?.id]);
    expect(JSON.stringify(h.sim.messages(CH)[0]?.blocks)).not.toContain('Approve"');
  });

  it('someone not in CLONE_REQUESTERS is refused; a listed channel lets anyone in it ask', async () => {
    h = await startSlackAppHarness({ env: { CLONE_REQUESTERS: 'C0OTHER,U0BOSS' } });
    await h.sim.slashCommand({ userId: 'U0REQUESTER', channelId: CH, text: '112 as web-1 on pve1' });
    const reply = await h.sim.waitUntil(() =>
      h?.sim.ephemerals('U0REQUESTER').find((e) => e.source === 'response_url'),
    );
    expect(reply.text).toContain('not allowed');
    expect(await h.store.listRecent(10)).toEqual([]);
    await h.sim.slashCommand({ userId: 'U0REQUESTER', channelId: 'C0OTHER', text: '112 as web-1 on pve1' });
    await h.sim.waitUntil(() => h?.sim.messages('C0OTHER')[0]);
    expect(await h.store.listRecent(10)).toHaveLength(1);
  });

  it('a channel the bot cannot post in withdraws the request and says how to fix it', async () => {
    h = await startSlackAppHarness();
    h.sim.injectFault('chat.postMessage', { type: 'error', error: 'not_in_channel' });
    await h.sim.slashCommand({ userId: 'U0REQUESTER', channelId: CH, text: '112 as web-1 on pve1' });
    const reply = await h.sim.waitUntil(() =>
      h?.sim.ephemerals('U0REQUESTER').find((e) => e.source === 'response_url'),
    );
    expect(reply.text).toContain('could not post');
    const [record] = await h.store.listRecent(10);
    expect(record?.status).toBe('cancelled');
    expect(await h.jobIds()).toEqual([]);
  });
});

describe('/clone help, status, cancel', () => {
  it('help answers ephemerally with the grammar and subcommands', async () => {
    h = await startSlackAppHarness();
    await h.sim.slashCommand({ userId: 'U0REQUESTER', channelId: CH, text: 'help' });
    const reply = await h.sim.waitUntil(() =>
      h?.sim.ephemerals('U0REQUESTER').find((e) => e.source === 'response_url'),
    );
    const text = JSON.stringify(reply.blocks);
    expect(text).toContain('/clone status [request-id]');
    expect(text).toContain('/clone cancel &lt;request-id&gt;');
  });

  it('status lists my requests, then one request; cancel by a stranger is refused, by the requester works', async () => {
    h = await startSlackAppHarness();
    await ask(h, 'U0REQUESTER', '112 as web-1 on pve1');
    const parent = await h.sim.waitUntil(() => h?.sim.messages(CH)[0]);
    const [record] = await h.store.listRecent(1);
    const id = record?.id as string;
    expect(await ask(h, 'U0REQUESTER', 'status')).toContain(id);
    expect(await ask(h, 'U0STRANGER', `cancel ${id}`)).toContain('Only the requester or an approver');
    expect((await h.store.get(id))?.status).toBe('pending');
    expect(await ask(h, 'U0REQUESTER', `cancel ${id}`)).toContain(`Cancelled \`${id}\``);
    expect((await h.store.get(id))?.status).toBe('cancelled');
    const edited = h.sim.message(CH, parent.ts);
    expect(JSON.stringify(edited?.blocks)).toContain('Cancelled');
    expect(JSON.stringify(edited?.blocks)).not.toContain('clone_approve');
    expect(await ask(h, 'U0REQUESTER', `status ${id}`)).toContain('Cancelled');
    expect(await ask(h, 'U0REQUESTER', `cancel ${id}`)).toContain('was cancelled by');
  });

  it('status <id> shows a request only to its requester, an approver, or in the channel it was made in', async () => {
    h = await startSlackAppHarness();
    const SECRET = 'C0SECRET';
    await ask(h, 'U0REQUESTER', '112 as web-private on pve1', SECRET);
    const [record] = await h.store.listRecent(1);
    const id = record?.id as string;
    const refused = await ask(h, 'U0STRANGER', `status ${id}`);
    expect(refused).not.toContain('web-private');
    expect(refused).toContain('only shown to its requester, approvers, and in the channel it was made in');
    expect(await ask(h, 'U0STRANGER', `status ${id}`, SECRET)).toContain('web-private');
    expect(await ask(h, 'U0REQUESTER', `status ${id}`)).toContain('web-private');
    expect(await ask(h, 'U0BOSS', `status ${id}`)).toContain('web-private');
  });
});
