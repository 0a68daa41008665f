import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimView } from '../../src/sim/slack/index.ts';
import { TRANSPORTS } from './e2e-harness.ts';
import { type SlackAppHarness, standInEngine, startSlackAppHarness } from './slack-app-harness.ts';
import { waitFor } from './wait-for.ts';

const CH = 'C0CLONES';
const U = 'U0REQUESTER';
let h: SlackAppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Opens the form with `/clone`, picks pve1, and returns the view once its templates are shown. */
async function openForm(harness: SlackAppHarness): Promise<SimView> {
  const res = await harness.sim.slashCommand({ userId: U, channelId: CH, text: '' });
  expect(res.status).toBe(200);
  const withNodes = await harness.sim.waitUntil(() =>
    harness.sim.views(U).find((v) => JSON.stringify(v.view.blocks).includes('clone_modal_node')),
  );
  // Only online nodes are offered.
  expect(JSON.stringify(withNodes.view.blocks)).not.toContain('pve2');
  await harness.sim.selectOption({
    userId: U,
    viewId: withNodes.id,
    actionId: 'clone_modal_node',
    value: 'pve1',
    values: { node: { clone_modal_node: 'pve1' } },
  });
  return harness.sim.waitUntil(() =>
    harness.sim.views(U).find((v) => JSON.stringify(v.view.blocks).includes('"block_id":"name"')),
  );
}

const form = (
  template: string,
  name: string,
  extra: Record<string, Record<string, string | string[]>> = {},
) => ({
  template: { value: template },
  name: { value: name },
  ...extra,
});

describe.each(TRANSPORTS)('/clone alone opens the form (over %s)', (transport) => {
  it('opens at once with the trigger_id, then shows nodes, then that node’s templates with their health', async () => {
    h = await startSlackAppHarness({ transport });
    const view = await openForm(h);
    const open = h.sim.calls('views.open');
    expect(open).toHaveLength(1);
    expect(open[0]?.result.ok).toBe(true);
    const blocks = JSON.stringify(view.view.blocks);
    expect(blocks).toContain('112 · ubuntu-24 · scsi0');
    expect(blocks).toContain('⚠ 9105');
    expect(blocks).toContain('no boot disk');
    expect(blocks).toContain('local-lvm');
    expect(blocks).not.toContain('"iso"');
  });

  it('a name that is not a DNS name is a field error; nothing is stored', async () => {
    h = await startSlackAppHarness({ transport });
    const view = await openForm(h);
    const res = await h.sim.submitView({ userId: U, viewId: view.id, values: form('112', 'Bad_Name!') });
    expect(res.errors?.name).toContain('Not a valid DNS name');
    expect(res.errors?.name).toContain('bad-name');
    expect(h.sim.views(U)).toHaveLength(1);
    expect(await h.store.listRecent(10)).toEqual([]);
  });

  it('a name already used and a broken template are field errors from the cluster check', async () => {
    h = await startSlackAppHarness({ engine: standInEngine({ taken: ['web-1'] }), transport });
    const view = await openForm(h);
    const taken = await h.sim.submitView({ userId: U, viewId: view.id, values: form('112', 'web-1') });
    expect(taken.errors?.name).toContain('already exists');
    const broken = await h.sim.submitView({ userId: U, viewId: view.id, values: form('9105', 'web-2') });
    expect(broken.errors?.template).toContain('missing boot disk');
    expect(await h.store.listRecent(10)).toEqual([]);
  });

  it('a good form closes and posts the request in the channel it was opened from', async () => {
    h = await startSlackAppHarness({ transport });
    const view = await openForm(h);
    const res = await h.sim.submitView({
      userId: U,
      viewId: view.id,
      values: form('112', 'web-3', { mode: { value: 'linked' }, pool: { value: 'lab' } }),
    });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    const parent = await h.sim.waitUntil(() => h?.sim.messages(CH)[0]);
    expect(JSON.stringify(parent.blocks)).toContain('web-3');
    const record = await waitFor(async () => (await h?.store.listRecent(1))?.[0], 'the record');
    expect(record.request).toMatchObject({ name: 'web-3', mode: 'linked', pool: 'lab', node: 'pve1' });
    expect(record.text).toBe('112 as web-3 on pve1 linked pool lab');
    expect(h.sim.views(U)).toEqual([]);
  });

  it('a form field cannot add options: "lab vmid 4242" in the pool field is a field error, nothing stored', async () => {
    h = await startSlackAppHarness({ transport });
    const view = await openForm(h);
    const res = await h.sim.submitView({
      userId: U,
      viewId: view.id,
      values: form('112', 'web-4', { pool: { value: 'lab vmid 4242' } }),
    });
    expect(res.errors?.pool).toMatch(/not a valid pool id/);
    expect(await h.store.listRecent(10)).toEqual([]);
  });
});

describe('the /clone form: the VM options (issue 10)', () => {
  it('start, cloud-init user, ip and lease from the form reach the request, each checked on its own', async () => {
    h = await startSlackAppHarness();
    const view = await openForm(h);
    const bad = await h.sim.submitView({
      userId: U,
      viewId: view.id,
      values: form('112', 'web-6', {
        ip: { value: '10.0.0.5' },
        lease: { value: 'for ever' },
        ci_user: { value: 'Root!' },
      }),
    });
    expect(bad.errors?.ip).toContain('needs a prefix length');
    expect(bad.errors?.lease).toContain('neither a duration');
    expect(bad.errors?.ci_user).toContain('is not a user name cloud-init can create');
    expect(await h.store.listRecent(10)).toEqual([]);
    const ok = await h.sim.submitView({
      userId: U,
      viewId: view.id,
      values: form('112', 'web-6', {
        vm_options: { value: ['start'] },
        ci_user: { value: 'alice' },
        ip: { value: '10.0.0.5/24 gw 10.0.0.1' },
        lease: { value: '3d' },
      }),
    });
    expect(ok.errors).toBeUndefined();
    const record = await waitFor(async () => (await h?.store.listRecent(1))?.[0], 'the record');
    expect(record.request.setup).toEqual({
      start: true,
      ciUser: 'alice',
      ip: { kind: 'static', address: '10.0.0.5', prefix: 24, gateway: '10.0.0.1' },
      lease: { kind: 'for', ms: 3 * 86_400_000 },
    });
    expect(record.text).toBe('112 as web-6 on pve1 full start user alice ip 10.0.0.5/24 gw 10.0.0.1 for 3d');
  });

  it("with CLONE_POLICY_FILE the lease is bound by the template's maximum, not the 14-day default", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'policy-'));
    const policy = join(dir, 'policy.yaml');
    await writeFile(policy, 'templates:\n  "112":\n    lease: { max: 30d }\n');
    try {
      h = await startSlackAppHarness({ env: { CLONE_POLICY_FILE: policy } });
      const view = await openForm(h);
      // The past is still refused in the form itself.
      const past = await h.sim.submitView({
        userId: U,
        viewId: view.id,
        values: form('112', 'web-7', { lease: { value: '2020-01-01' } }),
      });
      expect(past.errors?.lease).toContain('is in the past');
      // Past the template's own maximum: a field error naming it, the form still open.
      const tooLong = await h.sim.submitView({
        userId: U,
        viewId: view.id,
        values: form('112', 'web-7', { lease: { value: '5w' } }),
      });
      expect(tooLong.errors?.lease).toContain('longer than the maximum of 30d');
      expect(await h.store.listRecent(10)).toEqual([]);
      const ok = await h.sim.submitView({
        userId: U,
        viewId: view.id,
        values: form('112', 'web-7', { lease: { value: '3w' } }),
      });
      expect(ok.errors).toBeUndefined();
      const record = await waitFor(async () => (await h?.store.listRecent(1))?.[0], 'the record');
      expect(record.request.setup?.lease).toEqual({ kind: 'for', ms: 21 * 86_400_000 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the /clone form over Socket Mode when an ack is lost with its connection', () => {
  it('a field error: the redelivered submission gets the same errors back, the modal stays open', async () => {
    h = await startSlackAppHarness({ transport: 'socket' });
    const view = await openForm(h);
    h.sim.socketMode.loseNextAcks(1);
    const res = await h.sim.submitView({ userId: U, viewId: view.id, values: form('112', 'Bad_Name!') });
    expect(res.socket).toMatchObject({ acked: true, attempts: 2 });
    expect(res.errors?.name).toContain('Not a valid DNS name');
    expect(h.sim.views(U)).toHaveLength(1);
  });

  it('a good form: the redelivered submission closes the modal and posts one request', async () => {
    h = await startSlackAppHarness({ transport: 'socket' });
    const view = await openForm(h);
    h.sim.socketMode.loseNextAcks(1);
    const res = await h.sim.submitView({ userId: U, viewId: view.id, values: form('112', 'web-5') });
    expect(res.socket).toMatchObject({ acked: true, attempts: 2 });
    await h.sim.waitUntil(() => h?.sim.messages(CH)[0]);
    await waitFor(async () => (await h?.store.listRecent(5))?.length === 1, 'the record');
    expect(h.sim.views(U)).toEqual([]);
    expect(h.sim.messages(CH)).toHaveLength(1);
    expect(await h.store.listRecent(5)).toHaveLength(1);
  });
});
