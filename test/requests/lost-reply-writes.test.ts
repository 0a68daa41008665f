import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createRequestStore } from '../../src/requests/request-store.ts';
import type { RequestStore } from '../../src/requests/types.ts';
import { type CutReplyProxy, startCutReplyProxy } from '../redis/cut-reply-proxy.ts';
import { connect, deleteKeys, freshPrefix, manualClock } from './redis-fixture.ts';

// A Redis that dies after running a write and before answering it: ioredis sends the write again on its next
// connection (autoResendUnfulfilledCommands). The store's scripts must know their own write when they meet it.
let proxy: CutReplyProxy;
let viaProxy: Redis;
let direct: Redis;
let prefix: string;
let store: RequestStore;
let scriptSeen: (command: string) => boolean = () => false;

beforeEach(async () => {
  proxy = await startCutReplyProxy(6379, (command) => scriptSeen(command));
  viaProxy = new Redis({ host: '127.0.0.1', port: proxy.port, maxRetriesPerRequest: null });
  direct = connect();
  prefix = freshPrefix();
  store = createRequestStore(viaProxy, { prefix, clock: manualClock() });
});

afterEach(async () => {
  await deleteKeys(direct, prefix);
  viaProxy.disconnect();
  direct.disconnect();
  await proxy.close();
});

const input = {
  request: {
    template: { kind: 'vmid' as const, vmid: 112 },
    name: 'lost-reply',
    node: 'pve1',
    mode: 'full' as const,
  },
  text: '112 as lost-reply on pve1',
  requester: { userId: 'U111', userName: 'ada' },
  channelId: 'C123',
  status: 'pending' as const,
};

it('a request whose create reply was lost is one request, not two (the resent create found its own record)', async () => {
  scriptSeen = (command) => command.includes('ZREMRANGEBYRANK'); // only the create script trims indexes
  proxy.arm();
  const r = await store.create(input);
  expect(proxy.swallowed()).toHaveLength(1);
  expect(await direct.keys(`${prefix}req:cr-*`)).toEqual([`${prefix}req:${r.id}`]);
  expect(await direct.zrange(`${prefix}req:open:U111`, 0, '-1')).toEqual([r.id]);
});

it('an approval whose reply was lost is the approval, not a conflict with itself', async () => {
  const r = await store.create(input);
  scriptSeen = (command) => command.includes('ARGV[9]'); // the compare-and-set script (its fence)
  proxy.arm();
  const t = await store.transition(r.id, ['pending'], 'approved', { decidedBy: 'U900' });
  expect(proxy.swallowed()).toHaveLength(1);
  expect(t).toMatchObject({ ok: true, record: { status: 'approved', decidedBy: 'U900' } });
  expect((await store.get(r.id))?.status).toBe('approved');
});
