import proxmoxApi from 'proxmox-api';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { scaledClock } from '../../../src/clock.ts';
import { type ProxmoxSim, startProxmoxSim } from '../../../src/sim/proxmox/index.ts';
import { waitFor } from './sim-http.ts';

// The package the adapter builds on must accept the simulator's answers as it accepts a real cluster's.
let sim: ProxmoxSim;
let agent: Agent;
beforeAll(async () => {
  sim = await startProxmoxSim({ clock: scaledClock(300), authDelayMs: 0, copyBytesPerSecond: 8 * 1024 ** 3 });
  agent = new Agent({ connect: { ca: sim.caPem } });
});
afterAll(async () => {
  await sim.close();
  await agent.close();
});

const fetchWithCa = ((url: string, init: object) =>
  undiciFetch(url, { ...init, dispatcher: agent })) as never;

test('proxmox-api with an API token: nextid (a string), a clone, its task status', async () => {
  const api = proxmoxApi({
    host: '127.0.0.1',
    port: sim.port,
    tokenID: sim.token.id,
    tokenSecret: sim.token.secret,
    fetch: fetchWithCa,
  });
  const nextid = (await api.cluster.nextid.$get()) as unknown;
  expect(nextid).toBe('103');
  const upid = await api.nodes
    .$('pve1')
    .qemu.$(112)
    .clone.$post({ newid: 103, name: 'via-package', full: true });
  expect(upid).toMatch(/^UPID:pve1:.*:qmclone:112:clonebot@pve!slack:$/);
  await waitFor(() => (sim.task(upid)?.status === 'stopped' ? true : undefined));
  const status = await api.nodes.$('pve1').tasks.$(upid).status.$get();
  expect(status).toMatchObject({ status: 'stopped', exitstatus: 'OK' });
  await expect(api.nodes.$('pve1').qemu.$(112).clone.$post({ newid: 104, name: 'bad_name' })).rejects.toThrow(
    /400 Parameter verification failed\.: .*invalid format - value does not look like a valid DNS name/,
  );
});

test('proxmox-api with username/password: ticket login, CSRF on POST', async () => {
  const api = proxmoxApi({
    host: '127.0.0.1',
    port: sim.port,
    username: sim.user.username,
    password: sim.user.password,
    fetch: fetchWithCa,
  });
  const nodes = await api.nodes.$get();
  expect(nodes.map((n) => n.node)).toEqual(['pve1', 'pve2', 'pve3']);
  const upid = await api.nodes.$('pve2').qemu.$(9200).clone.$post({ newid: 105, name: 'ticket-clone' });
  expect(upid).toMatch(/^UPID:pve2:.*:qmclone:9200:clonebot@pve:$/);
});
