import { afterEach, describe, expect, it } from 'vitest';
import type { SimMessage } from '../../src/sim/slack/index.ts';
import { APPROVER, CH, type E2E, REQUESTER, startE2E, textOf } from './e2e-harness.ts';
import { waitFor } from './wait-for.ts';

let w: E2E | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** Runs a request to its failure reply; returns the reply, the record and the VM the clone left. */
async function failedClone(e2e: E2E, text: string) {
  const { parent, id } = await e2e.request(text);
  await e2e.approve(parent);
  const [, reply] = await e2e.thread(parent, (r) => r.length >= 2);
  const record = await e2e.services.store.get(id);
  const result = record?.result;
  if (!reply || result === undefined || result.ok) throw new Error('expected a failure reply');
  return { parent, id, reply, result, vmid: result.vmid as number, upid: result.upid as string };
}

/** Clicks "Delete VM" as `user` and resolves with the next ephemeral that user sees. */
async function clickDelete(e2e: E2E, user: string, reply: SimMessage): Promise<string> {
  const before = e2e.slack.ephemerals(user).length;
  await e2e.slack.clickButton({ userId: user, channelId: CH, messageTs: reply.ts, buttonText: 'Delete VM' });
  return e2e.slack.waitUntil(() => e2e.slack.ephemerals(user)[before]?.text);
}
const deletes = (e2e: E2E) => e2e.pve.requests.count('DELETE', /^\/nodes\/[^/]+\/qemu\/\d+$/);

describe('e2e: deleting the VM a failed clone left behind', () => {
  it('a hung clone: refused while its task runs, refused with the manual steps once the task died — never unlocked', async () => {
    w = await startE2E({ CLONE_TIMEOUT_SECONDS: '30' });
    w.pve.faults.hangClone();
    const { reply, vmid, upid, result } = await failedClone(w, '112 as e2e-hung on pve1');
    expect(result.diagnosis.reason).toBe('timeout');
    expect(textOf(reply)).toContain(`Delete VM ${vmid}`);

    expect(await clickDelete(w, REQUESTER, reply)).toContain('Only approvers can delete');
    expect(await clickDelete(w, APPROVER, reply)).toContain(
      `VM ${vmid} is still locked (clone) by a running task; I never break a Proxmox lock`,
    );
    expect(w.pve.task(upid)?.status).toBe('running');

    w.pve.faults.killTask(upid);
    const steps = await clickDelete(w, APPROVER, reply);
    expect(steps).toContain(`run \`qm unlock ${vmid}\` and then \`qm destroy ${vmid}\``);
    expect(steps).toContain('unexpected status');

    expect(deletes(w)).toBe(0);
    expect(w.pve.vm(vmid)?.config.lock).toBe('clone');
  });

  it('a clone that outlived the timeout: refused while it copies; once it ends OK it is a good VM, never deleted', async () => {
    // The 32 GiB copy takes ~160 s of simulated time: the bot stops waiting at 60 s and reports a leftover.
    w = await startE2E({ CLONE_TIMEOUT_SECONDS: '60' });
    const { id, reply, vmid, upid } = await failedClone(w, '112 as e2e-late on pve1');
    // Marked from its first moment: the POST carried notes naming the request.
    expect(w.pve.vm(vmid)?.config.description).toContain(`clonebot-request: ${id}`);
    expect(await clickDelete(w, APPROVER, reply)).toContain(
      `VM ${vmid} is still locked (clone) by a running task`,
    );
    const pve = w.pve;
    await waitFor(() => pve.task(upid)?.status === 'stopped', 'the clone task to end', 10_000);
    expect(pve.task(upid)?.exitstatus).toBe('OK');
    expect(pve.vm(vmid)?.config.name).toBe('e2e-late');
    expect(await clickDelete(w, REQUESTER, reply)).toContain('Only approvers can delete');
    // Issue 14 item 1: the task finished after the bot stopped waiting, so the VM is complete: not a leftover.
    expect(await clickDelete(w, APPROVER, reply)).toContain(
      `The clone task of VM ${vmid} ended OK after all: VM ${vmid} on pve1 may be a good, complete VM`,
    );
    expect(deletes(w)).toBe(0);
    expect(pve.vm(vmid)).toBeDefined();
  });

  it('a clone failing mid-copy leaves nothing (Proxmox removed it): no Delete button', async () => {
    w = await startE2E();
    w.pve.faults.failClone('write error: No space left on device', { atPercent: 20 });
    const { reply, result } = await failedClone(w, '112 as e2e-gone on pve1');
    expect(result.diagnosis.leftover).toBeUndefined();
    expect(textOf(reply)).not.toContain('clone_delete_vm');
  });
});
