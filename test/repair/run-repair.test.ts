import { afterEach, describe, expect, test } from 'vitest';
import type { RepairCheckpoint, RepairPlan, RepairProgress } from '../../src/core/repair-types.ts';
import { createLogger } from '../../src/logger.ts';
import { planLiveRepair, readRepairState } from '../../src/repair/plan-live-repair.ts';
import { runRepair } from '../../src/repair/run-repair.ts';
import { demoCluster } from '../../src/sim/proxmox/index.ts';
import { type CloneHarness, startCloneHarness } from '../clone/clone-harness.ts';

const harnesses: CloneHarness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

/** The demo cluster without 9205, so base 5 has one healthy copy (9105 on pve1, node-local). */
async function start() {
  const cluster = demoCluster();
  cluster.vms = cluster.vms.filter((v) => v.vmid !== 9205);
  const h = await startCloneHarness({ sim: { cluster, authDelayMs: 0 } });
  harnesses.push(h);
  return h;
}
const live = (h: CloneHarness) => ({ proxmox: h.client, now: h.clock.now(), lockStuckMs: 3_600_000 });
const deps = (h: CloneHarness) => ({
  proxmox: h.client,
  engine: h.engine,
  clock: h.clock,
  logger: createLogger('silent'),
  pollMs: 1000,
});
async function plan(h: CloneHarness, base: number, node: string, confirm?: number): Promise<RepairPlan> {
  const r = await planLiveRepair(live(h), base, node, confirm);
  if (!r.ok) throw new Error(`${r.refusal.code}: ${r.refusal.message}`);
  return r.plan;
}
const copyHealth = async (h: CloneHarness, node: string, vmid: number) =>
  (await readRepairState(live(h))).report.nodes
    .find((n) => n.node === node)
    ?.templates.find((t) => t.vmid === vmid);

describe('runRepair against the simulator', () => {
  test('node-local: clone on pve1, offline migrate to pve3, template; the next health check finds it healthy', async () => {
    const h = await start();
    const p = await plan(h, 5, 'pve3');
    expect(p.steps.map((s) => s.kind)).toEqual(['clone', 'migrate', 'template']);
    const seen: RepairProgress[] = [];
    const checkpoints: number[] = [];
    const r = await runRepair(deps(h), p, {
      onProgress: (x) => {
        seen.push(x);
      },
      onCheckpoint: async (c) => {
        checkpoints.push(c.done);
      },
    });
    expect(r).toMatchObject({ ok: true, vmid: 9305, node: 'pve3', bootDisk: 'scsi0' });
    expect(h.sim.vm(9305)).toMatchObject({
      node: 'pve3',
      config: { template: 1, scsi0: 'local-lvm:base-9305-disk-0,size=20G', name: 'rocky-9' },
    });
    expect(h.sim.vm(9305)?.config).not.toHaveProperty('lock');
    expect(h.sim.tasks().map((t) => t.type)).toEqual(
      expect.arrayContaining(['qmclone', 'qmigrate', 'qmtemplate']),
    );
    expect(new Set(seen.map((x) => x.step))).toEqual(new Set([1, 2, 3]));
    expect(seen[0]?.message).toMatch(
      /^step 1\/3: full clone of template 9105 on pve1 into VM 9305 \(stays on pve1\)/,
    );
    expect(checkpoints.at(-1)).toBe(3);
    expect(await copyHealth(h, 'pve3', 9305)).toMatchObject({ healthy: true, base: 5 });
    expect(
      (await readRepairState(live(h))).report.nodes
        .find((n) => n.node === 'pve3')
        ?.findings.map((f) => f.code),
    ).not.toContain('copy-missing');
  });

  test('shared storage with a confirmed broken copy: destroy, clone with target, template', async () => {
    const h = await start();
    h.sim.faults.removeBootDisk(9200);
    await expect(planLiveRepair(live(h), 0, 'pve2')).resolves.toMatchObject({
      ok: false,
      refusal: { code: 'needs-confirmation' },
    });
    const p = await plan(h, 0, 'pve2', 9200);
    expect(p.steps.map((s) => s.kind)).toEqual(['destroy', 'clone', 'template']);
    const r = await runRepair(deps(h), p);
    expect(r).toMatchObject({ ok: true, vmid: 9200 });
    expect(h.sim.vm(9200)).toMatchObject({
      node: 'pve2',
      config: { template: 1, scsi0: 'ceph:base-9200-disk-1,iothread=1,size=8G' },
    });
    expect(h.sim.requests.count('POST', /\/migrate$/)).toBe(0);
    expect(await copyHealth(h, 'pve2', 9200)).toMatchObject({ healthy: true });
  });

  test('a migration that breaks off half-way names the step, Proxmox error and the copy left on pve1', async () => {
    const h = await start();
    const p = await plan(h, 5, 'pve3');
    h.sim.faults.failMigration({ vmid: 9305, atPercent: 50 });
    const r = await runRepair(deps(h), p);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.step).toEqual({
      index: 2,
      kind: 'migrate',
      description: 'offline migration of VM 9305 from pve1 to pve3, disks to local-lvm (with-local-disks)',
    });
    expect(r.proxmoxError).toBe('migration aborted');
    expect(r.error).toMatch(
      /^the migrate task failed: migration aborted \(storage migration for 'local-lvm:vm-9305-disk-0' to storage 'local-lvm' failed/,
    );
    expect(r.leftBehind).toBe(
      'VM 9305 on pve1 (not a template), a copy of template 9105: look at it, then delete it (qm destroy 9305) before repairing again',
    );
    expect(h.sim.vm(9305)).toMatchObject({ node: 'pve1' });
    expect(h.sim.requests.count('POST', /\/migrate$/)).toBe(1);
    // The leftover holds pve3's VMID for base 5: the next plan refuses rather than overwrite it.
    await expect(planLiveRepair(live(h), 5, 'pve3')).resolves.toMatchObject({
      ok: false,
      refusal: { code: 'vmid-held' },
    });
  });

  test('a full target storage fails the migration; a source changed since the plan stops before any step', async () => {
    const h = await start();
    const p = await plan(h, 5, 'pve3');
    h.sim.faults.fillStorage('local-lvm', 'pve3', 1024 ** 3);
    const r = await runRepair(deps(h), p);
    expect(r).toMatchObject({ ok: false, step: { index: 2 }, proxmoxError: 'migration aborted' });
    expect(!r.ok && r.taskLogTail?.join('\n')).toMatch(/insufficient free space/);

    const p2 = await plan(h, 5, 'pve2');
    h.sim.faults.emptyBootOrder(9105);
    const r2 = await runRepair(deps(h), p2);
    expect(r2).toMatchObject({ ok: false, leftBehind: 'nothing: no step was started' });
    expect(!r2.ok && r2.error).toMatch(/^source template 9105 on pve1 changed since the plan was made/);
    expect(h.sim.vm(9205)).toBeUndefined();
  });
  test('a run that dies after a POST resumes by following that task, never sending it twice', async () => {
    const h = await start();
    const p = await plan(h, 5, 'pve3');
    const saved: RepairCheckpoint[] = [];
    // The process "dies" the moment the migrate task's UPID is saved: the checkpoint write fails.
    const first = await runRepair(deps(h), p, {
      onCheckpoint: async (c) => {
        saved.push(c);
        if (c.done === 1 && c.upid !== undefined) throw new Error('worker killed');
      },
    });
    expect(first).toMatchObject({ ok: false, step: { index: 2, kind: 'migrate' } });
    const resumeFrom = saved.at(-1) as RepairCheckpoint;
    expect(resumeFrom).toMatchObject({ done: 1, upid: expect.stringMatching(/:qmigrate:9305:/) });
    const second = await runRepair(deps(h), p, {
      resume: resumeFrom,
      onCheckpoint: async (c) => {
        // Dies again right after sending the template POST, before its answer was saved.
        if (c.done === 2 && c.posted) {
          await h.client.convertToTemplate('pve3', 9305);
          throw new Error('worker killed');
        }
      },
    });
    expect(second).toMatchObject({ ok: false, step: { index: 3, kind: 'template' } });
    // Sent, answer lost: the task is found in /cluster/tasks and followed, not sent again.
    const third = await runRepair(deps(h), p, { resume: { done: 2, posted: true } });
    expect(third).toMatchObject({ ok: true, vmid: 9305, node: 'pve3' });
    expect(h.sim.requests.count('POST', /\/clone$/)).toBe(1);
    expect(h.sim.requests.count('POST', /\/migrate$/)).toBe(1);
    expect(h.sim.requests.count('POST', /\/template$/)).toBe(1);
    expect(h.sim.vm(9305)).toMatchObject({ node: 'pve3', config: { template: 1 } });
  });
});
