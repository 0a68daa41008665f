import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scaledClock } from '../../src/clock.ts';
import type { CloneFailure } from '../../src/core/types.ts';
import { createLogger } from '../../src/logger.ts';
import { createProxmoxClient, type ProxmoxHttpClient } from '../../src/proxmox/index.ts';
import type { SimVmConfig } from '../../src/sim/proxmox/index.ts';
import { type ProxmoxSim, startProxmoxSim } from '../../src/sim/proxmox/index.ts';
import { vmDescription } from '../../src/core/vm-record.ts';
import { renderFailureMessage } from '../../src/slack/messages/result-message.ts';
import { type SlackAppHarness, startSlackAppHarness } from './slack-app-harness.ts';
import { waitFor } from './wait-for.ts';

const CH = 'C0CLONES';
const UI = 'https://pve1.example.com:8006';
const clock = scaledClock(100);
let h: SlackAppHarness;
let pve: ProxmoxSim;
let proxmox: ProxmoxHttpClient;
let dir: string;

beforeEach(async () => {
  pve = await startProxmoxSim({ clock });
  dir = await mkdtemp(join(tmpdir(), 'clonebot-delete-'));
  await writeFile(join(dir, 'ca.pem'), pve.caPem);
  proxmox = createProxmoxClient(
    {
      url: pve.url,
      host: '127.0.0.1',
      port: pve.port,
      auth: { kind: 'token', tokenId: pve.token.id, secret: pve.token.secret },
      caFile: join(dir, 'ca.pem'),
      insecureTls: false,
      timeoutMs: 5000,
    },
    { logger: createLogger('silent'), clock },
  );
  h = await startSlackAppHarness({ clock, vms: proxmox });
});
afterEach(async () => {
  await h.close();
  await proxmox.close();
  await pve.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * A request whose clone failed leaving VM `vmid` (named `web-left`) on pve1: the record in the store, the
 * request message and the failure reply (with its Delete button) in the channel.
 */
async function failedRequest(
  vmid: number,
  vm?: SimVmConfig & { status?: 'running' },
  how: { reason?: 'timeout' | 'clone-missing-disk'; upid?: string; marked?: boolean } = {},
) {
  const { status, ...config } = vm ?? {};
  if (vm) pve.addVm({ vmid, node: 'pve1', config, ...(status ? { status } : {}) });
  const parent = await h.app.client.chat.postMessage({ channel: CH, text: 'clone request' });
  const created = await h.store.create({
    request: { template: { kind: 'vmid', vmid: 112 }, name: 'web-left', node: 'pve1', mode: 'full' },
    text: '112 as web-left on pve1',
    requester: { userId: 'U0REQUESTER' },
    channelId: CH,
    messageTs: parent.ts as string,
    status: 'approved',
  });
  const failure: CloneFailure = {
    ok: false,
    diagnosis: {
      reason: how.reason ?? 'clone-missing-disk',
      summary: `VM ${vmid} was created without its boot disk`,
      advice: [],
      leftover: { vmid, node: 'pve1', ...(how.marked ? { requestId: created.id } : {}) },
    },
    vmid,
    durationMs: 1000,
    ...(how.upid !== undefined ? { upid: how.upid } : {}),
  };
  const t = await h.store.transition(created.id, ['approved'], 'failed', { result: failure });
  if (!t.ok) throw new Error('could not fail the request');
  const postReply = async () => {
    const reply = await h.app.client.chat.postMessage({
      channel: CH,
      thread_ts: parent.ts as string,
      ...renderFailureMessage(t.record, failure, UI),
    });
    return reply.ts as string;
  };
  const replyTs = await postReply();
  // `staleCopy` posts the reply as it first was: a button a client that has not refreshed still shows.
  return { id: created.id, parentTs: parent.ts as string, replyTs, staleCopy: postReply };
}

const clickDelete = (userId: string, replyTs: string) =>
  h.sim.clickButton({ userId, channelId: CH, messageTs: replyTs, buttonText: 'Delete VM' });
const told = (user: string, n: number) => h.sim.waitUntil(() => h.sim.ephemerals(user)[n]?.text);
const deletes = () => pve.requests.count('DELETE', /^\/nodes\/[^/]+\/qemu\/\d+$/);
/** The Proxmox notes a clone of request `requestId` is POSTed with (and keeps while it is a leftover). */
const notesOf = (requestId: string) => vmDescription({ requestId, ownerId: 'U0REQUESTER', template: '112' });
const disk = (vmid: number) => ({ scsi0: `local-lvm:vm-${vmid}-disk-0,size=4G`, boot: 'order=scsi0' });

describe('the "Delete VM" button', () => {
  it('refuses a non-approver; an approver deletes the VM once; the reply and record say so; a second click says it is gone', async () => {
    const { id, parentTs, replyTs, staleCopy } = await failedRequest(4100, {
      name: 'web-left',
      ...disk(4100),
    });
    await clickDelete('U0REQUESTER', replyTs);
    expect(await told('U0REQUESTER', 0)).toContain('Only approvers can delete');
    expect(deletes()).toBe(0);

    await clickDelete('U0APPROVER', replyTs);
    const note = await h.sim.waitUntil(() => h.sim.thread(CH, parentTs)[1]);
    expect(note.text).toContain('<@U0APPROVER> deleted VM 4100 (`web-left`) on pve1');
    expect(pve.vm(4100)).toBeUndefined();
    expect(deletes()).toBe(1);
    const record = await waitFor(async () => {
      const r = await h.store.get(id);
      return r?.leftoverDeleted ? r : undefined;
    }, 'the deletion on the record');
    expect(record?.leftoverDeleted).toMatchObject({ vmid: 4100, node: 'pve1', by: 'U0APPROVER' });
    expect(record?.status).toBe('failed');
    const rerendered = await h.sim.waitUntil(() => {
      const m = h.sim.message(CH, replyTs);
      return m && m.updates > 0 ? m : undefined;
    });
    expect(JSON.stringify(rerendered.blocks)).toContain('was deleted by <@U0APPROVER>');
    expect(JSON.stringify(rerendered.blocks)).not.toContain('clone_delete_vm');

    const stale = await staleCopy();
    await clickDelete('U0BOSS', stale);
    expect(await told('U0BOSS', 0)).toContain('VM 4100 is already gone: <@U0APPROVER> deleted it');
    expect(deletes()).toBe(1);
  });

  it('refuses a template, a VM with another name, and a VM that is already gone — no DELETE', async () => {
    const tpl = await failedRequest(4101, { name: 'web-left', template: 1, ...disk(4101) });
    await clickDelete('U0APPROVER', tpl.replyTs);
    expect(await told('U0APPROVER', 0)).toContain('is a template now: I never delete templates');

    const other = await failedRequest(4102, { name: 'prod-db', ...disk(4102) });
    await clickDelete('U0APPROVER', other.replyTs);
    expect(await told('U0APPROVER', 1)).toContain('named `prod-db`, not `web-left`');

    const gone = await failedRequest(4103);
    await clickDelete('U0APPROVER', gone.replyTs);
    expect(await told('U0APPROVER', 2)).toContain('VM 4103 no longer exists on pve1: it is already gone');

    expect(deletes()).toBe(0);
    expect(pve.vm(4101)).toBeDefined();
    expect(pve.vm(4102)).toBeDefined();
  });

  it('posts Proxmox’s own refusal in the thread and leaves the button for another try', async () => {
    const { id, parentTs, replyTs } = await failedRequest(4104, {
      name: 'web-left',
      ...disk(4104),
      status: 'running',
    });
    await clickDelete('U0APPROVER', replyTs);
    const note = await h.sim.waitUntil(() => h.sim.thread(CH, parentTs)[1]);
    expect(note.text).toContain('Proxmox said: VM 4104 is running - destroy failed');
    expect(pve.vm(4104)).toBeDefined();
    expect((await h.store.get(id))?.leftoverDeleted).toBeUndefined();
    expect(JSON.stringify(h.sim.message(CH, replyTs)?.blocks)).toContain('clone_delete_vm');
  });

  it('refuses a VM under another lock; a DELETE that gets no answer is looked up, never resent', async () => {
    const backup = await failedRequest(4106, { name: 'web-left', lock: 'backup', ...disk(4106) });
    await clickDelete('U0APPROVER', backup.replyTs);
    expect(await told('U0APPROVER', 0)).toContain(
      'VM 4106 is locked (backup) by another operation; I never break a Proxmox lock',
    );
    expect(deletes()).toBe(0);

    const { id, parentTs, replyTs } = await failedRequest(4107, { name: 'web-left', ...disk(4107) });
    pve.faults.flap({ method: 'DELETE', path: '/qemu/4107', count: 5, status: 'drop' });
    await clickDelete('U0APPROVER', replyTs);
    const note = await h.sim.waitUntil(() => h.sim.thread(CH, parentTs)[1]);
    expect(note.text).toContain('VM 4107 is still there: look for a qmdestroy task');
    expect(deletes()).toBe(1);
    expect(pve.vm(4107)).toBeDefined();
    expect((await h.store.get(id))?.leftoverDeleted).toBeUndefined();
  });

  it('two approvers clicking at once send one DELETE', async () => {
    const { parentTs, replyTs } = await failedRequest(4105, { name: 'web-left', ...disk(4105) });
    await Promise.all([clickDelete('U0APPROVER', replyTs), clickDelete('U0BOSS', replyTs)]);
    await h.sim.waitUntil(() => h.sim.thread(CH, parentTs)[1]);
    const other = await h.sim.waitUntil(
      () => [...h.sim.ephemerals('U0APPROVER'), ...h.sim.ephemerals('U0BOSS')][0]?.text,
    );
    expect(other).toMatch(/being deleted already|already gone/);
    expect(deletes()).toBe(1);
    expect(pve.vm(4105)).toBeUndefined();
    expect(h.sim.thread(CH, parentTs)).toHaveLength(2);
  });

  it('refuses a VM that names another request (its VMID and name handed out again), or none though the clone wrote one', async () => {
    // Request A's leftover was removed in the Proxmox UI; nextid gave its VMID to request B, same name.
    const a = await failedRequest(4110, { name: 'web-left', ...disk(4110) }, { marked: true });
    pve.addVm({
      vmid: 4111,
      node: 'pve1',
      config: { name: 'web-left', ...disk(4111), description: notesOf('req-B') },
    });
    const reused = await failedRequest(4111, undefined, { marked: true });
    await clickDelete('U0APPROVER', reused.replyTs);
    expect(await told('U0APPROVER', 0)).toContain(
      'VM 4111 on pve1 belongs to request `req-B` (its Proxmox notes say so): it is not the VM this request left behind',
    );
    await clickDelete('U0APPROVER', a.replyTs);
    expect(await told('U0APPROVER', 1)).toContain(
      'VM 4110 on pve1 does not carry this request in its Proxmox notes',
    );
    expect(deletes()).toBe(0);
    expect(pve.vm(4110)).toBeDefined();
    expect(pve.vm(4111)).toBeDefined();
  });

  it('deletes a leftover that names its own request; refuses one with protection on', async () => {
    const ours = await failedRequest(4112, undefined, { marked: true });
    pve.addVm({
      vmid: 4112,
      node: 'pve1',
      config: { name: 'web-left', ...disk(4112), description: notesOf(ours.id) },
    });
    await clickDelete('U0APPROVER', ours.replyTs);
    const note = await h.sim.waitUntil(() => h.sim.thread(CH, ours.parentTs)[1]);
    expect(note.text).toContain('<@U0APPROVER> deleted VM 4112');
    expect(pve.vm(4112)).toBeUndefined();

    const kept = await failedRequest(4113, { name: 'web-left', ...disk(4113), protection: 1 });
    await clickDelete('U0APPROVER', kept.replyTs);
    expect(await told('U0APPROVER', 0)).toContain('VM 4113 has protection on: Proxmox refuses to remove it');
    expect(deletes()).toBe(1);
    expect(pve.vm(4113)).toBeDefined();
  });

  it('a timed-out clone whose task then ended OK is a good VM: the button re-reads the task and refuses', async () => {
    const parked = await failedRequest(4114, undefined, { marked: true, reason: 'timeout' });
    const upid = await proxmox.startClone({
      node: 'pve1',
      templateVmid: 112,
      newid: 4114,
      name: 'web-left',
      full: true,
      description: notesOf(parked.id),
    });
    await waitFor(async () => (await proxmox.getTaskStatus(upid)).status === 'stopped', 'the clone', 30_000);
    expect((await proxmox.getTaskStatus(upid)).exitstatus).toBe('OK');
    // The saved result knows the task (as a timeout's does): record it as the failure's UPID.
    await h.store.update(parked.id, {
      result: { ...((await h.store.get(parked.id))?.result as CloneFailure), upid },
    });
    await clickDelete('U0APPROVER', parked.replyTs);
    expect(await told('U0APPROVER', 0)).toContain(
      'The clone task of VM 4114 ended OK after all: VM 4114 on pve1 may be a good, complete VM',
    );
    expect(deletes()).toBe(0);
    expect(pve.vm(4114)).toBeDefined();
  });
});
