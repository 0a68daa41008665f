import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxmoxClient, type ProxmoxHttpClient } from '../../src/proxmox/index.ts';
import {
  captureLogger,
  configFor,
  type FakeProxmox,
  fail,
  fakeClock,
  makePki,
  ok,
  type Pki,
  type SeenRequest,
  startFakeProxmox,
} from './fake-proxmox.ts';

const UPID = 'UPID:pve2:0001A2B3:00C4D5E6:66F1A2B3:qmclone:9000:clonebot@pve!slack:';

// Payloads as a PVE 8/9 cluster sends them (0/1 flags, nextid as a string, lagging statistics).
function routes(r: SeenRequest) {
  const q = r.query;
  switch (r.path) {
    case '/cluster/resources':
      return q.get('type') === 'vm'
        ? ok([
            {
              id: 'qemu/9000',
              vmid: 9000,
              node: 'pve1',
              type: 'qemu',
              name: 'ubuntu',
              status: 'stopped',
              template: 1,
              maxdisk: 34359738368,
            },
            { id: 'qemu/200', vmid: 200, node: 'pve1', type: 'qemu', status: 'unknown', lock: 'clone' },
            {
              id: 'lxc/300',
              vmid: 300,
              node: 'pve2',
              type: 'lxc',
              name: 'ct',
              status: 'running',
              template: 0,
            },
          ])
        : fail(400, 'Parameter verification failed.', { type: 'missing' });
    case '/cluster/status':
      return ok([
        { type: 'cluster', id: 'cluster', name: 'lab', nodes: 2, quorate: 1, version: 4 },
        { type: 'node', id: 'node/pve1', name: 'pve1', nodeid: 1, ip: '10.0.0.1', local: 1, online: 1 },
        { type: 'node', id: 'node/pve2', name: 'pve2', nodeid: 3, ip: '10.0.0.2', local: 0, online: 0 },
      ]);
    case '/nodes/pve1/storage':
      return ok([
        {
          storage: 'local-lvm',
          type: 'lvmthin',
          content: 'images,rootdir',
          enabled: 1,
          active: 1,
          shared: 0,
          total: 100,
          used: 40,
          avail: 60,
        },
        { storage: 'nfs', type: 'nfs', content: 'images', enabled: 1, active: 0, shared: 1 },
      ]);
    case '/cluster/nextid':
      return q.get('vmid') === '200'
        ? fail(400, 'Parameter verification failed.', { vmid: 'VM 200 already exists\n' })
        : q.has('vmid')
          ? ok(q.get('vmid'))
          : ok('104');
    case `/nodes/pve2/tasks/${UPID}/status`:
      return ok({
        upid: UPID,
        node: 'pve2',
        pid: 107187,
        pstart: 12899814,
        starttime: 1727111859,
        type: 'qmclone',
        id: '9000',
        user: 'clonebot@pve',
        tokenid: 'slack',
        status: 'stopped',
        exitstatus: 'WARNINGS: 1',
      });
    case `/nodes/pve2/tasks/${UPID}/log`:
      return ok(
        [
          { n: 3, t: 'transferred 4.0 GiB of 32.0 GiB (12.50%)' },
          { n: 4, t: 'TASK WARNINGS: 1' },
        ],
        { total: 4 },
      );
    case '/cluster/tasks':
      return ok([
        {
          upid: UPID,
          node: 'pve2',
          type: 'qmclone',
          id: '9000',
          user: 'clonebot@pve',
          tokenid: 'slack',
          starttime: 1727111859,
          endtime: 1727111900,
          status: 'OK',
        },
      ]);
    default:
      return fail(400, 'Parameter verification failed.', { upid: 'no such task' });
  }
}

let pki: Pki;
let fake: FakeProxmox;
let client: ProxmoxHttpClient;

beforeAll(async () => {
  pki = await makePki();
  fake = await startFakeProxmox(pki, routes);
  client = createProxmoxClient(configFor(fake, pki), { logger: captureLogger().logger, clock: fakeClock() });
});
afterAll(async () => {
  await client.close();
  await fake.close();
});

describe('client mapping', () => {
  it('lists QEMU VMs only, with template and lock', async () => {
    expect(await client.listClusterVms()).toEqual([
      { vmid: 9000, node: 'pve1', name: 'ubuntu', status: 'stopped', template: true, maxdisk: 34359738368 },
      { vmid: 200, node: 'pve1', status: 'unknown', template: false, lock: 'clone' },
    ]);
  });

  it('maps the cluster status', async () => {
    expect(await client.getClusterStatus()).toEqual({
      cluster: { name: 'lab', quorate: true, nodes: 2 },
      nodes: [
        { name: 'pve1', nodeid: 1, online: true, local: true, ip: '10.0.0.1' },
        { name: 'pve2', nodeid: 3, online: false, local: false, ip: '10.0.0.2' },
      ],
    });
  });

  it('maps storages', async () => {
    expect(await client.listStorages('pve1')).toEqual([
      {
        storage: 'local-lvm',
        type: 'lvmthin',
        content: ['images', 'rootdir'],
        enabled: true,
        active: true,
        shared: false,
        total: 100,
        used: 40,
        avail: 60,
      },
      { storage: 'nfs', type: 'nfs', content: ['images'], enabled: true, active: false, shared: true },
    ]);
  });

  it('reads nextid as a number and checks a VMID', async () => {
    expect(await client.nextVmid()).toBe(104);
    expect(await client.isVmidFree(200)).toBe(false);
    expect(await client.isVmidFree(201)).toBe(true);
  });

  it('reads task status and log from the node named in the UPID', async () => {
    expect(await client.getTaskStatus(UPID)).toEqual({
      upid: UPID,
      node: 'pve2',
      type: 'qmclone',
      id: '9000',
      user: 'clonebot@pve!slack',
      starttime: 1727111859,
      status: 'stopped',
      exitstatus: 'WARNINGS: 1',
    });
    fake.requests.length = 0;
    expect(await client.getTaskLog(UPID, 2, 50)).toEqual({
      lines: [
        { n: 3, t: 'transferred 4.0 GiB of 32.0 GiB (12.50%)' },
        { n: 4, t: 'TASK WARNINGS: 1' },
      ],
      total: 4,
    });
    expect(Object.fromEntries(fake.requests[0]?.query ?? [])).toEqual({ start: '2', limit: '50' });
  });

  it('lists cluster tasks', async () => {
    expect(await client.listClusterTasks()).toEqual([
      {
        upid: UPID,
        node: 'pve2',
        type: 'qmclone',
        id: '9000',
        user: 'clonebot@pve!slack',
        starttime: 1727111859,
        endtime: 1727111900,
        status: 'OK',
      },
    ]);
  });

  it('says an unknown task is not found', async () => {
    const other = UPID.replace('pve2', 'pve1');
    const e = await client.getTaskStatus(other).catch((x: unknown) => x);
    expect((e as { isNotFound(): boolean }).isNotFound()).toBe(true);
  });
});
