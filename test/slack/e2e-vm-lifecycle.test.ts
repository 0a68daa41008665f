import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { parseVmDescription } from '../../src/core/vm-record.ts';
import { bullPrefix, CLONE_QUEUE_NAME } from '../../src/jobs/clone-queue.ts';
import { SLACK_IDS } from '../../src/slack/slack-ids.ts';
import { ed25519PublicKey } from '../vm/ssh-key-fixture.ts';
import { APPROVER, CH, type E2E, REQUESTER, startE2E, textOf } from './e2e-harness.ts';

let w: E2E | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** Types `/clone text` and resolves with its answer (the ack, or what replaced "Checking…" through the response_url). */
async function say(e2e: E2E, text: string, user = REQUESTER): Promise<string> {
  const before = e2e.slack.ephemerals(user).length;
  await e2e.slack.slashCommand({ userId: user, channelId: CH, text });
  const answer = await e2e.slack.waitUntil(() => {
    const e = e2e.slack.ephemerals(user)[before];
    return e !== undefined && !e.text.includes('Checking') ? e : undefined;
  }, 10_000);
  return `${answer.text} ${JSON.stringify(answer.blocks ?? [])}`;
}

/** A CLONE_POLICY_FILE with `yaml` in it. */
async function policyFile(yaml: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'policy-')), 'policy.yaml');
  await writeFile(path, yaml);
  return path;
}

describe('e2e: a VM people can use, own and give back', () => {
  it('clone with start, cloud-init and a lease; the reply has its address; list, extend, delete', async () => {
    w = await startE2E();
    const key = ed25519PublicKey();
    expect(await say(w, '112 as e2e-web on pve1 linked sshkey')).toContain('no SSH public key stored');
    expect(await say(w, 'key add ssh-ed25519 AAAA')).toContain('does not hold an ssh-ed25519 key');
    expect(await say(w, `key add ${key}`)).toContain('Stored: ssh-ed25519');
    expect(await say(w, '112 as e2e-web on pve1 linked start for 3 weeks')).toContain(
      'longer than the maximum of 14d',
    );
    expect(await say(w, '112 as e2e-web on pve1 linked ip 10.0.0.5/24 gw 10.9.0.1')).toContain(
      'outside 10.0.0.5/24',
    );
    expect(w.clonePosts()).toBe(0);

    const { parent, id } = await w.request(
      '112 as e2e-web on pve1 linked start user alice sshkey ip 10.0.0.5/24 gw 10.0.0.1 for 3d',
    );
    await w.approve(parent);
    const replies = await w.thread(parent, (r) => r.some((m) => textOf(m).includes('is ready')), 30_000);
    const final = textOf(replies.find((m) => textOf(m).includes('is ready')));
    expect(final).toContain('IPv4: 10.0.0.5');
    expect(final).toContain('Lease ends');
    const record = await w.services.store.get(id);
    const vmid = record?.result?.ok ? record.result.vmid : 0;
    const vm = w.pve.vm(vmid);
    expect(vm?.status).toBe('running');
    expect(vm?.config).toMatchObject({
      ciuser: 'alice',
      sshkeys: encodeURIComponent(`${key}\n`),
      ipconfig0: 'ip=10.0.0.5/24,gw=10.0.0.1',
    });
    expect(String(vm?.config.tags)).toMatch(/^clonebot;owner-/);
    expect(parseVmDescription(vm?.config.description)).toMatchObject({
      requestId: id,
      ownerId: REQUESTER,
      approverId: APPROVER,
      template: '112',
    });

    const mine = await say(w, 'list');
    expect(mine).toContain(`VM ${vmid}`);
    expect(mine).toContain('10.0.0.5');
    expect(await say(w, 'list all')).toContain('for approvers');
    expect(await say(w, 'list all', APPROVER)).toContain(`VM ${vmid}`);
    expect(await say(w, `extend ${vmid} 2d`)).toContain('lease extended to');
    expect(await say(w, `extend ${vmid} 30d`)).toContain('past the maximum');
    expect(await say(w, `delete ${vmid}`, 'U0STRANGER')).toContain(
      'only its owner or an approver can delete it',
    );
    expect(await say(w, `delete ${vmid}`)).toContain('was stopped and deleted');
    expect(w.pve.vm(vmid)).toBeUndefined();
    expect(w.pve.requests.filter('DELETE', `/nodes/pve1/qemu/${vmid}`)[0]?.query).toBe(
      '?purge=1&destroy-unreferenced-disks=1',
    );
    // The owner heard about the extension and the deletion by DM.
    const dms = w.slack.messages(`D${REQUESTER.slice(1)}`).map((m) => m.text);
    expect(dms.some((t) => t.includes('lease extended'))).toBe(true);
    expect(dms.some((t) => t.includes('stopped and deleted'))).toBe(true);
  });

  it('App Home shows my VMs with Extend and Delete now, and both work from the tab', async () => {
    w = await startE2E();
    const e2e = w;
    const { parent, id } = await w.request('112 as e2e-home on pve1 linked for 2d');
    await w.approve(parent);
    await w.thread(parent, (r) => r.some((m) => textOf(m).includes('is ready')), 30_000);
    const record = await w.services.store.get(id);
    const vmid = record?.result?.ok ? record.result.vmid : 0;
    const home = (probe: (text: string) => boolean) =>
      e2e.slack.waitUntil(() => {
        const view = e2e.slack.views(REQUESTER).find((v) => v.type === 'home');
        return view && probe(JSON.stringify(view.view)) ? view : undefined;
      }, 10_000);

    await w.slack.openAppHome(REQUESTER);
    const tab = await home((t) => t.includes('Your VMs* (1)'));
    const text = JSON.stringify(tab.view);
    expect(text).toContain(`VM ${vmid}`);
    expect(text).toContain('e2e-home');
    expect(text).toContain(`home-lease-${vmid}`);
    expect(text).toContain('Extend 1d');
    expect(text).toContain('Delete now');
    // Another user's tab shows none of it.
    await w.slack.openAppHome('U0STRANGER');
    const theirs = await e2e.slack.waitUntil(
      () => e2e.slack.views('U0STRANGER').find((v) => v.type === 'home'),
      10_000,
    );
    expect(JSON.stringify(theirs.view)).toContain('Your VMs* (0)');

    const before = parseVmDescription(w.pve.vm(vmid)?.config.description)?.expiresAt ?? 0;
    await w.slack.clickButton({
      userId: REQUESTER,
      viewId: tab.id,
      actionId: SLACK_IDS.leaseExtend,
      blockId: `home-lease-${vmid}`,
    });
    const extended = await home((t) => t.includes('lease extended to'));
    expect(parseVmDescription(w.pve.vm(vmid)?.config.description)?.expiresAt).toBe(before + 86_400_000);

    await w.slack.clickButton({
      userId: REQUESTER,
      viewId: extended.id,
      actionId: SLACK_IDS.leaseDelete,
      blockId: `home-lease-${vmid}`,
    });
    await home((t) => t.includes('was stopped and deleted') && t.includes('Your VMs* (0)'));
    expect(w.pve.vm(vmid)).toBeUndefined();
  });

  it('a template policy: no approval, its default lease, and the quota refuses the next clone with the use shown', async () => {
    const path = await policyFile(
      'templates:\n  "112":\n    approval: false\n    lease: { default: 2d, max: 5d }\n    quota: { vms: 1 }\n',
    );
    w = await startE2E({ CLONE_POLICY_FILE: path });
    expect(await say(w, '112 as e2e-pol on pve1 linked for 6d')).toContain(
      "this template's maximum lease is 5d",
    );
    const { parent, id } = await w.request('112 as e2e-pol on pve1 linked');
    await w.thread(parent, (r) => r.some((m) => textOf(m).includes('is ready')), 30_000);
    const record = await w.services.store.get(id);
    expect(record?.decidedBy).toBeUndefined();
    expect(record?.request.setup?.lease).toEqual({ kind: 'for', ms: 2 * 86_400_000 });
    expect(await say(w, '112 as e2e-pol2 on pve1 linked')).toContain('Quota: you have 1 VM');
    expect(w.clonePosts()).toBe(1);
  });

  it('the quota counts requests in flight: with two pending, a third is refused with the use shown', async () => {
    w = await startE2E({
      CLONE_POLICY_FILE: await policyFile('templates:\n  "112":\n    quota: { vms: 2 }\n'),
    });
    const first = await w.request('112 as e2e-q1 on pve1 linked');
    await w.request('112 as e2e-q2 on pve1 linked');
    expect(await say(w, '112 as e2e-q3 on pve1 linked')).toContain(
      'Quota: you have 0 VMs using 0 GiB and 2 requests in flight (64 GiB), and the limit is 2 VMs',
    );
    expect(await w.services.store.listOpenByUser(REQUESTER)).toHaveLength(2);
    // One of them made: its VM counts, the request no longer does (once, not twice).
    await w.approve(first.parent);
    await w.thread(first.parent, (r) => r.some((m) => textOf(m).includes('is ready')), 30_000);
    expect(await say(w, '112 as e2e-q3 on pve1 linked')).toContain(
      'Quota: you have 1 VM using 32 GiB and 1 request in flight (32 GiB), and the limit is 2 VMs',
    );
    expect(w.clonePosts()).toBe(1);
  });

  it('the quota again at approval: over it since (two VMs of another template), refused, left pending, nothing queued', async () => {
    w = await startE2E({
      CLONE_POLICY_FILE: await policyFile(
        'templates:\n  "112":\n    quota: { vms: 2 }\n  "9100":\n    approval: false\n',
      ),
    });
    const { parent, id } = await w.request('112 as e2e-later on pve1 linked');
    for (const name of ['e2e-deb1', 'e2e-deb2']) {
      const made = await w.request(`9100 as ${name} on pve1 linked`);
      await w.thread(made.parent, (r) => r.some((m) => textOf(m).includes('is ready')), 30_000);
    }
    const before = w.slack.ephemerals(APPROVER).length;
    await w.approve(parent);
    const told = await w.slack.waitUntil(() => w?.slack.ephemerals(APPROVER)[before], 10_000);
    expect(told.text).toContain(
      `Not approved: it would put <@${REQUESTER}> over the quota. Quota: they have 2 VMs using 16 GiB, and the limit is 2 VMs`,
    );
    expect(told.text).toContain('The request stays pending (nothing was queued)');
    const replies = await w.thread(parent, (r) => r.some((m) => m.text.includes('could not approve')));
    expect(replies.map((m) => m.text).join('\n')).toContain(
      `<@${REQUESTER}> an approver could not approve your request yet: Quota: you have 2 VMs using 16 GiB, and the limit is 2 VMs`,
    );
    const record = await w.services.store.get(id);
    expect(record?.status).toBe('pending');
    expect(record?.decidedBy).toBeUndefined();
    const queue = new Queue(CLONE_QUEUE_NAME, { connection: w.redis, prefix: bullPrefix(w.prefix) });
    try {
      expect(await queue.getJob(id)).toBeUndefined();
    } finally {
      await queue.close();
    }
    expect(w.clonePosts()).toBe(2);
  });
});
