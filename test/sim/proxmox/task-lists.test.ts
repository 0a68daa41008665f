import { afterEach, describe, expect, test } from 'vitest';
import { scaledClock } from '../../../src/clock.ts';
import { type ProxmoxSim, startProxmoxSim } from '../../../src/sim/proxmox/index.ts';
import { type Auth, call, waitFor } from './sim-http.ts';

const GiB = 1024 ** 3;
const sims: ProxmoxSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});
async function start() {
  const sim = await startProxmoxSim({
    clock: scaledClock(300),
    authDelayMs: 0,
    copyBytesPerSecond: 64 * GiB,
  });
  sims.push(sim);
  return sim;
}
async function ticketAuth(sim: ProxmoxSim): Promise<Auth> {
  const a = await call(sim, 'POST', '/access/ticket', {
    auth: 'none',
    form: { username: sim.user.username, password: sim.user.password },
  });
  return { ticket: a.json.data.ticket, csrf: a.json.data.CSRFPreventionToken };
}
async function finishedClone(sim: ProxmoxSim, newid: number, auth: Auth = { token: true }) {
  const a = await call(sim, 'POST', '/nodes/pve1/qemu/112/clone', { form: { newid, full: 1 }, auth });
  expect(a.status, a.reason).toBe(200);
  const upid = a.json.data as string;
  await waitFor(() => sim.task(upid)?.status === 'stopped');
  return upid;
}
const upids = (rows: { upid: string }[]) => rows.map((r) => r.upid);

// pve-manager PVE/API2/Cluster.pm `tasks`: without Sys.Audit on `/`, only tasks whose user equals the caller;
// a token's caller is `user@realm!name` while its tasks' user is `user@realm` (the token split off).
describe('GET /cluster/tasks', () => {
  test('a token without Sys.Audit on / sees none of its own tasks; its user (a ticket) sees them', async () => {
    const sim = await start();
    const upid = await finishedClone(sim, 200);
    expect(upids((await call(sim, 'GET', '/cluster/tasks')).json.data)).toContain(upid);
    sim.faults.denyPrivilege('/', 'Sys.Audit');
    expect((await call(sim, 'GET', '/cluster/tasks')).json.data).toEqual([]);
    const ticket = await ticketAuth(sim);
    expect(upids((await call(sim, 'GET', '/cluster/tasks', { auth: ticket })).json.data)).toContain(upid);
  });

  // pve-common RESTEnvironment active_workers: running tasks plus the newest finished ones, 25 in all per node.
  test('keeps the running tasks and the newest finished ones, 25 per node', async () => {
    const sim = await start();
    const first = await finishedClone(sim, 300);
    for (let i = 1; i < 25; i++) await finishedClone(sim, 300 + i);
    expect(upids((await call(sim, 'GET', '/cluster/tasks')).json.data)).toContain(first);
    sim.faults.hangClone();
    const hung = (await call(sim, 'POST', '/nodes/pve1/qemu/112/clone', { form: { newid: 400, full: 1 } }))
      .json.data as string;
    const listed = (await call(sim, 'GET', '/cluster/tasks')).json.data as { upid: string; node: string }[];
    expect(listed.filter((t) => t.node === 'pve1')).toHaveLength(25);
    expect(upids(listed)).toContain(hung);
    expect(upids(listed)).not.toContain(first);
    // The node's own archive still has it.
    const archive = await call(sim, 'GET', '/nodes/pve1/tasks?typefilter=qmclone&limit=100');
    expect(upids(archive.json.data)).toContain(first);
    expect(archive.json.total).toBe(25);
  });
});

// pve-manager PVE/API2/Tasks.pm node_tasks: a token sees its own tasks there with no privilege at all.
describe('GET /nodes/{node}/tasks', () => {
  test('a token sees its own tasks without Sys.Audit; others’ are hidden; running ones are `RUNNING`', async () => {
    const sim = await start();
    const ticket = await ticketAuth(sim);
    const mine = await finishedClone(sim, 200);
    const users = await finishedClone(sim, 201, ticket);
    sim.faults.hangClone();
    const running = (await call(sim, 'POST', '/nodes/pve1/qemu/112/clone', { form: { newid: 202, full: 1 } }))
      .json.data as string;
    sim.faults.denyPrivilege('/', 'Sys.Audit');
    const all = await call(sim, 'GET', '/nodes/pve1/tasks?source=all&typefilter=qmclone&vmid=112');
    expect(upids(all.json.data)).toEqual([running, mine]);
    expect(all.json.total).toBe(2);
    // The active-workers file's entries: no `endtime`, `status: RUNNING`, the token left in `user`.
    expect(all.json.data[0]).toMatchObject({ status: 'RUNNING', user: 'clonebot@pve!slack' });
    expect(all.json.data[0]).not.toHaveProperty('tokenid');
    expect(all.json.data[0]).not.toHaveProperty('endtime');
    expect(all.json.data[1]).toMatchObject({ status: 'OK', user: 'clonebot@pve', tokenid: 'slack' });
    // The default source is the archive: finished tasks only.
    expect(upids((await call(sim, 'GET', '/nodes/pve1/tasks')).json.data)).toEqual([mine]);
    // The user sees its own and its token's finished tasks.
    const asUser = await call(sim, 'GET', '/nodes/pve1/tasks?typefilter=qmclone', { auth: ticket });
    expect(upids(asUser.json.data)).toEqual([users, mine]);
  });

  test('no match leaves `total` out (pve-http-server copies it only when true); a bad vmid is a 400', async () => {
    const sim = await start();
    await finishedClone(sim, 200);
    const none = await call(sim, 'GET', '/nodes/pve1/tasks?source=all&typefilter=qmclone&vmid=9100');
    expect(none.json).toEqual({ data: [] });
    const bad = await call(sim, 'GET', '/nodes/pve1/tasks?vmid=99');
    expect([bad.status, bad.json.errors]).toEqual([
      400,
      { vmid: 'invalid format - value does not look like a valid VM ID\n' },
    ]);
    const since = await call(sim, 'GET', `/nodes/pve1/tasks?since=${2 ** 31}`);
    expect(since.json).toEqual({ data: [] });
  });
});
