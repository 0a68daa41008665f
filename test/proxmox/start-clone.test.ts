import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import {
  CloneNotStartedError,
  createProxmoxClient,
  ProxmoxApiError,
  type ProxmoxHttpClient,
  ProxmoxNetworkError,
} from '../../src/proxmox/index.ts';
import type { CloneParams } from '../../src/proxmox/types.ts';
import {
  captureLogger,
  configFor,
  type FakeProxmox,
  fail,
  fakeClock,
  makePki,
  ok,
  type Pki,
  type Reply,
  startFakeProxmox,
} from './fake-proxmox.ts';

let pki: Pki;
let fake: FakeProxmox;
let client: ProxmoxHttpClient;
let clock: ReturnType<typeof fakeClock>;

beforeAll(async () => {
  pki = await makePki();
  fake = await startFakeProxmox(pki);
});
afterAll(async () => {
  await fake.close();
});
afterEach(async () => {
  await client?.close();
});

const PARAMS: CloneParams = {
  node: 'pve1',
  templateVmid: 9000,
  newid: 200,
  name: 'web1',
  full: true,
  storage: 'local-lvm',
};
const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
const upidAt = (sec: number, user = 'clonebot@pve!slack', id = '9000', node = 'pve1') =>
  `UPID:${node}:0001A2B3:00C4D5E6:${hex(sec)}:qmclone:${id}:${user}:`;

/**
 * A cluster whose clone POST answers with `postReply`; when `startsAnyway` the clone runs (the task and the
 * new VM's lock: clone stub appear), as when the answer is lost after Proxmox acted.
 */
/** A task's log names the VM it creates; the tests' tasks all create VM 200 unless their UPID says 201. */
const logOf = (path: string) => [
  { n: 1, t: 'create full clone of drive scsi0 (local-lvm:base-9000-disk-0)' },
  { n: 2, t: `  Logical volume "vm-${path.includes(':201:') ? 201 : 200}-disk-0" created.` },
];

/**
 * GET /nodes/pve1/tasks as pve-manager's node_tasks filters it (typefilter, vmid = the task's id, since).
 * The recovery looks there: /cluster/tasks shows a token none of its own tasks without Sys.Audit on `/`.
 */
function nodeTasks(q: URLSearchParams, tasks: object[]): object[] {
  return (tasks as { type: string; id: string; starttime: number }[]).filter(
    (t) =>
      (q.get('typefilter') === null || t.type === q.get('typefilter')) &&
      (q.get('vmid') === null || t.id === q.get('vmid')) &&
      (q.get('since') === null || t.starttime >= Number(q.get('since'))),
  );
}

function cluster(postReply: Reply, startsAnyway: boolean, extraTasks: object[] = []) {
  const tasks: object[] = [...extraTasks];
  const vms: object[] = [
    { id: 'qemu/9000', vmid: 9000, node: 'pve1', type: 'qemu', status: 'stopped', template: 1 },
  ];
  fake.handle = (r) => {
    if (r.method === 'POST' && r.path === '/nodes/pve1/qemu/9000/clone') {
      if (startsAnyway) {
        const starttime = Math.floor(clock.now() / 1000);
        tasks.push({
          upid: upidAt(starttime),
          node: 'pve1',
          type: 'qmclone',
          id: '9000',
          user: 'clonebot@pve!slack',
          starttime,
        });
        vms.push({ id: 'qemu/200', vmid: 200, node: 'pve1', type: 'qemu', status: 'unknown', lock: 'clone' });
      }
      return postReply;
    }
    if (r.path === '/nodes/pve1/tasks') return ok(nodeTasks(r.query, tasks));
    if (r.path === '/cluster/resources') return ok(vms);
    if (/^\/nodes\/pve1\/tasks\/.+\/log$/.test(r.path)) return ok(logOf(r.path), { total: 2 });
    return fail(501, `Method '${r.method} ${r.path}' not implemented`);
  };
  return { tasks, vms };
}

function makeClient(timeoutMs = 2000) {
  clock = fakeClock();
  fake.requests.length = 0;
  client = createProxmoxClient(configFor(fake, pki, undefined, timeoutMs), {
    logger: captureLogger().logger,
    clock,
  });
}
const posts = () => fake.requests.filter((r) => r.method === 'POST');

describe('startClone', () => {
  it('POSTs once with full=1 and returns the UPID', async () => {
    makeClient();
    cluster(ok(upidAt(1_735_689_600)), false);
    expect(await client.startClone(PARAMS)).toBe(upidAt(1_735_689_600));
    expect(posts()).toHaveLength(1);
    expect(Object.fromEntries(posts()[0]?.form ?? [])).toEqual({
      newid: '200',
      name: 'web1',
      full: '1',
      storage: 'local-lvm',
    });
  });

  it('sends full=0 for a linked clone', async () => {
    makeClient();
    cluster(ok(upidAt(1_735_689_600)), false);
    const { storage: _storage, ...linked } = PARAMS;
    await client.startClone({ ...linked, full: false });
    expect(posts()[0]?.form.get('full')).toBe('0');
    expect(posts()[0]?.form.has('storage')).toBe(false);
  });

  it.each<[string, Reply]>([
    ['a dropped connection', { drop: true }],
    ['a 502', fail(502, 'Bad Gateway')],
    ['a 500 without a message', { status: 500, reason: 'Internal Server Error', raw: '' }],
  ])('after %s finds the task that did start and returns its UPID, with one POST', async (_label, reply) => {
    makeClient();
    const { tasks } = cluster(reply, true);
    const upid = await client.startClone(PARAMS);
    expect(upid).toBe((tasks[0] as { upid: string }).upid);
    expect(posts()).toHaveLength(1);
  });

  it('after a timeout finds the task, with one POST', async () => {
    makeClient(400);
    const { tasks } = cluster({ hang: true }, true);
    expect(await client.startClone(PARAMS)).toBe((tasks[0] as { upid: string }).upid);
    expect(posts()).toHaveLength(1);
  });

  it('throws CloneNotStartedError when neither task nor VM appears, after looking three times', async () => {
    makeClient();
    cluster({ drop: true }, false, [
      // Not ours: an older clone of the template, another template, another user's clone.
      {
        upid: upidAt(1_700_000_000),
        node: 'pve1',
        type: 'qmclone',
        id: '9000',
        user: 'clonebot@pve!slack',
        starttime: 1_700_000_000,
      },
      {
        upid: upidAt(1_735_689_600, 'clonebot@pve!slack', '9001'),
        node: 'pve1',
        type: 'qmclone',
        id: '9001',
        user: 'clonebot@pve!slack',
        starttime: 1_735_689_600,
      },
      {
        upid: upidAt(1_735_689_600, 'alice@pam'),
        node: 'pve1',
        type: 'qmclone',
        id: '9000',
        user: 'alice@pam',
        starttime: 1_735_689_600,
      },
    ]);
    const e = await client.startClone(PARAMS).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CloneNotStartedError);
    expect((e as CloneNotStartedError).newid).toBe(200);
    expect(posts()).toHaveLength(1);
    const lookups = fake.requests.filter((r) => r.path === '/nodes/pve1/tasks');
    expect(lookups).toHaveLength(3);
    expect(Object.fromEntries(lookups[0]?.query ?? [])).toMatchObject({
      source: 'all',
      typefilter: 'qmclone',
      vmid: '9000',
    });
    expect(clock.sleeps).toEqual([2000, 2000]);
  });

  it('rethrows the ambiguous error when the new VM exists but no task can be matched', async () => {
    makeClient();
    const { vms } = cluster(fail(503, 'Service Unavailable'), false);
    vms.push({ id: 'qemu/200', vmid: 200, node: 'pve1', type: 'qemu', status: 'unknown', lock: 'clone' });
    const e = (await client.startClone(PARAMS).catch((x: unknown) => x)) as ProxmoxApiError;
    expect(e).toBeInstanceOf(ProxmoxApiError);
    expect(e).not.toBeInstanceOf(CloneNotStartedError);
    expect(e.status).toBe(503);
    expect(posts()).toHaveLength(1);
  });

  it('never adopts a task it already handed out for another clone', async () => {
    makeClient();
    const { tasks } = cluster(ok(upidAt(Math.floor(fakeClock().now() / 1000))), true);
    const first = await client.startClone(PARAMS);
    cluster({ drop: true }, false, tasks);
    const e = await client.startClone({ ...PARAMS, newid: 201 }).catch((x: unknown) => x);
    expect(first).toBe((tasks[0] as { upid: string }).upid);
    expect(e).toBeInstanceOf(CloneNotStartedError);
  });

  it('never adopts the task of a sibling clone whose answer is still on its way', async () => {
    clock = fakeClock();
    fake.requests.length = 0;
    const tasks: object[] = [];
    let siblingStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      siblingStarted = resolve;
    });
    let releaseSibling: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      releaseSibling = resolve;
    });
    // Our POST fails ambiguously; the sibling's answer is held back a while after that, so a lookup made
    // without waiting for it would see the sibling's task unclaimed and take it.
    const logger = createLogger(
      'debug',
      new Writable({
        write(chunk, _enc, cb) {
          if (String(chunk).includes('clone POST failed ambiguously')) setTimeout(releaseSibling, 100);
          cb();
        },
      }),
    );
    client = createProxmoxClient(configFor(fake, pki), { logger, clock });
    fake.handle = async (r) => {
      if (r.path === '/nodes/pve1/tasks') return ok(nodeTasks(r.query, tasks));
      if (r.path === '/cluster/resources') return ok([]);
      if (r.form.get('newid') === '200') {
        await started;
        return { drop: true };
      }
      const starttime = Math.floor(clock.now() / 1000);
      tasks.push({
        upid: upidAt(starttime),
        node: 'pve1',
        type: 'qmclone',
        id: '9000',
        user: 'clonebot@pve!slack',
        starttime,
      });
      siblingStarted();
      await released;
      return ok(upidAt(starttime));
    };
    const ours = client.startClone(PARAMS).catch((x: unknown) => x);
    const sibling = client.startClone({ ...PARAMS, newid: 201 });
    expect(await sibling).toBe((tasks[0] as { upid: string }).upid);
    expect(await ours).toBeInstanceOf(CloneNotStartedError);
    expect(posts()).toHaveLength(2);
  });

  it('throws a definite Proxmox answer at once, without looking', async () => {
    makeClient();
    cluster(fail(500, 'unable to create VM 200: config file already exists'), false);
    const e = (await client.startClone(PARAMS).catch((x: unknown) => x)) as ProxmoxApiError;
    expect(e).toBeInstanceOf(ProxmoxApiError);
    expect(e.proxmoxMessage).toBe('unable to create VM 200: config file already exists');
    expect(fake.requests).toHaveLength(1);
  });

  it('knows a refused connection never delivered the POST', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    clock = fakeClock();
    client = createProxmoxClient(
      { ...configFor(fake, pki), url: `https://127.0.0.1:${port}`, port },
      { logger: captureLogger().logger, clock },
    );
    const e = (await client.startClone(PARAMS).catch((x: unknown) => x)) as CloneNotStartedError;
    expect(e).toBeInstanceOf(CloneNotStartedError);
    expect(e.cause).toBeInstanceOf(ProxmoxNetworkError);
    expect((e.cause as ProxmoxNetworkError).code).toBe('ECONNREFUSED');
  });
});
