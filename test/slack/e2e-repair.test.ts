import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planLiveRepair } from '../../src/repair/plan-live-repair.ts';
import { APPROVER, CH, type E2E, REQUESTER, startE2E, TRANSPORTS, textOf } from './e2e-harness.ts';

// One world per transport, made in its describe's beforeAll.
let e: E2E;

/** The newest ephemeral `user` saw whose text matches, once it is there. */
const ephemeral = (user: string, re: RegExp) =>
  e.slack.waitUntil(
    () =>
      [...e.slack.ephemerals(user)]
        .reverse()
        .find((m) => re.test(`${m.text} ${JSON.stringify(m.blocks ?? [])}`)),
    15_000,
  );

describe.each(TRANSPORTS)('template repair through the real app and worker (over %s)', (transport) => {
  beforeAll(async () => {
    e = await startE2E({}, undefined, { transport });
  });
  afterAll(() => e.close());

  it('asks an approver to confirm a broken copy by its VMID, refuses others, then rebuilds it with progress and a result', async () => {
    e.pve.faults.removeBootDisk(9300);
    await e.slack.slashCommand({ userId: APPROVER, channelId: CH, text: 'health repair 0 on pve3' });
    const ask = await ephemeral(APPROVER, /approver confirms VMID 9300/);
    expect(ask.text).toContain('template 9300 on pve3 exists (broken or drifted)');
    expect(textOf(ask as never)).toContain('/clone health repair 0 on pve3 replace 9300');

    await e.slack.slashCommand({
      userId: REQUESTER,
      channelId: CH,
      text: 'health repair 0 on pve3 replace 9300',
    });
    await ephemeral(REQUESTER, /Only approvers can repair templates/);
    expect(e.pve.requests.count('DELETE', /qemu\/9300$/)).toBe(0);

    await e.slack.slashCommand({
      userId: APPROVER,
      channelId: CH,
      text: 'health repair 0 on pve3 replace 9300',
    });
    await ephemeral(APPROVER, /Repair queued; progress follows in this channel/);
    const parent = await e.slack.waitUntil(
      () => e.slack.messages(CH).find((m) => /Repair/.test(m.text)),
      15_000,
    );
    const replies = await e.thread(parent, (r) => r.some((m) => /Repaired/.test(m.text)), 30_000);
    expect(replies.at(-1)?.text).toBe('Repaired template 9300 on pve3');
    expect(textOf(replies.at(-1))).toContain('The next health check shows it.');
    await e.slack.waitUntil(
      () =>
        /Repaired/.test(e.slack.messages(CH).find((m) => m.ts === parent.ts)?.text ?? '') ? true : undefined,
      10_000,
    );
    expect(e.pve.vm(9300)).toMatchObject({ node: 'pve3', config: { template: 1 } });
    expect(e.pve.requests.count('DELETE', /qemu\/9300$/)).toBe(1);
    expect(e.pve.requests.count('POST', /qemu\/9100\/clone$|qemu\/9200\/clone$/)).toBe(1);
    const again = await planLiveRepair(
      { proxmox: e.services.proxmox, now: e.clock.now(), lockStuckMs: 3_600_000 },
      0,
      'pve3',
    );
    expect(again).toMatchObject({ ok: false, refusal: { code: 'already-healthy' } });
  }, 60_000);

  it('the Repair button of the health report re-checks the clicker and the plan', async () => {
    e.pve.faults.removeBootDisk(9100);
    await e.slack.slashCommand({ userId: APPROVER, channelId: CH, text: 'health' });
    const report = await ephemeral(APPROVER, /Repair base 0 on pve1/);
    await e.slack.clickButton({
      userId: APPROVER,
      channelId: CH,
      messageTs: report.ts,
      buttonText: 'Repair base 0 on pve1',
    });
    const answer = await ephemeral(APPROVER, /approver confirms VMID 9100/);
    expect(answer.text).toContain('template 9100 on pve1 exists (broken or drifted)');
    expect(e.pve.requests.count('DELETE', /qemu\/9100$/)).toBe(0);
  }, 30_000);
  it('a failed repair says in its thread which step failed, Proxmox error and what was left', async () => {
    e.pve.addNode({ name: 'pve4', nodeid: 4, ip: '10.0.0.14' });
    e.pve.faults.failClone('qemu-img: error while writing at byte 0: No space left on device', {
      atPercent: 30,
    });
    await e.slack.slashCommand({ userId: APPROVER, channelId: CH, text: 'health repair 0 on pve4' });
    await ephemeral(APPROVER, /Repair queued/);
    const parent = await e.slack.waitUntil(
      () => e.slack.messages(CH).find((m) => /base 0 on pve4/.test(m.text)),
      15_000,
    );
    const replies = await e.thread(parent, (r) => r.some((m) => /failed/.test(m.text)), 30_000);
    const text = textOf(replies.at(-1));
    expect(replies.at(-1)?.text).toBe('Repair of base 0 on pve4 failed');
    expect(text).toContain('at step 1 (full clone of template 9');
    expect(text).toContain('No space left on device');
    expect(text).toContain('*Left behind:* nothing at VMID 9400');
    expect(e.pve.vm(9400)).toBeUndefined();
  }, 60_000);
});
