import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CloneHarness, cloneRequest, startCloneHarness } from './clone-harness.ts';

let h: CloneHarness;
beforeAll(async () => {
  h = await startCloneHarness();
});
afterAll(() => h.close());

describe('the template is checked before anything is created', () => {
  it('a template without a boot disk fails at once (a few reads, no clone POST, nothing waited for)', async () => {
    h.sim.faults.removeBootDisk(112);
    const before = h.sim.requests.entries.length;
    const r = await h.engine.cloneVmFromTemplate(cloneRequest(112, 'doomed', 'pve1'));
    // Fast by construction: a handful of GETs and no poll. The time it takes is measured in bench/fail-fast.ts.
    const reads = h.sim.requests.entries.slice(before);
    expect(reads.length).toBeLessThanOrEqual(8);
    expect(reads.every((e) => e.method === 'GET')).toBe(true);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnosis.summary).toBe('Template 112 is missing boot disk - template may be corrupted');
    expect(r.diagnosis.reason).toBe('template-missing-disk');
    expect(h.clonePosts()).toBe(0);
    expect(await h.engine.verifyTemplateHasDisk('pve1', 112)).toEqual({ hasDisk: false });
  });

  it('a template whose disk is only in unused0 fails the same way, with advice to move it back', async () => {
    const r = await h.engine.cloneVmFromTemplate(cloneRequest(113, 'doomed-too', 'pve1'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnosis.summary).toBe('Template 113 is missing boot disk - template may be corrupted');
    expect(r.diagnosis.templateCheck).toMatch(/unused0/);
    expect(r.diagnosis.advice[0]).toMatch(/qm set 113 --scsi0 local-lvm:base-113-disk-0/);
    expect(h.clonePosts()).toBe(0);
  });

  it('verifyTemplateHasDisk names the boot disk of a healthy template', async () => {
    expect(await h.engine.verifyTemplateHasDisk('pve1', 9100)).toEqual({ hasDisk: true, diskKey: 'scsi0' });
  });

  it('preflight refuses bad requests with the reason, creating nothing', async () => {
    const cases = [
      [
        cloneRequest(9105, 'x1', 'pve9'),
        'unknown-node',
        /Node pve9 is not in the cluster \(nodes: pve1, pve2, pve3\)/,
      ],
      [cloneRequest(100, 'x2', 'pve1'), 'not-a-template', /VM 100 on pve1 is not a template/],
      [
        cloneRequest(9200, 'x3', 'pve1'),
        'template-not-found',
        /9200 was not found on pve1 \(it is on pve2\)/,
      ],
      [cloneRequest(9105, 'web-01', 'pve1'), 'name-taken', /web-01 already exists \(VMID 100 on pve1\)/],
      [cloneRequest(9105, 'x4', 'pve1', { vmid: 101 }), 'vmid-taken', /VMID 101 is already taken/],
      [
        cloneRequest(9105, 'x5', 'pve1', { storage: 'local' }),
        'storage-invalid',
        /local cannot hold VM disks/,
      ],
      [
        cloneRequest(9105, 'x6', 'pve1', { storage: 'nope' }),
        'storage-invalid',
        /nope.*does not exist in this cluster \(storages on pve1: /,
      ],
      [cloneRequest(9105, 'x7', 'pve1', { target: 'pve7' }), 'unknown-node', /Target node pve7/],
    ] as const;
    for (const [request, reason, summary] of cases) {
      const r = await h.engine.preflight(request);
      expect(r.ok, request.name).toBe(false);
      if (r.ok) continue;
      expect(r.diagnosis.reason, request.name).toBe(reason);
      expect(r.diagnosis.summary).toMatch(summary);
    }
    h.sim.faults.lockVm(9105, 'backup');
    const locked = await h.engine.preflight(cloneRequest(9105, 'x8', 'pve1'));
    h.sim.faults.lockVm(9105, undefined);
    expect(locked.ok || locked.diagnosis).toMatchObject({
      reason: 'template-locked',
      summary: /locked \(backup\)/,
    });
    expect(h.clonePosts()).toBe(0);
  });

  it('resolves base ids with the node-specific scheme and names on their node', async () => {
    expect(await h.engine.resolveTemplate({ kind: 'base', base: 5 }, 'pve2')).toMatchObject({
      vmid: 9205,
      node: 'pve2',
      bootDisk: 'scsi0',
    });
    expect(await h.engine.resolveTemplate({ kind: 'name', name: 'rocky-9' }, 'pve1')).toMatchObject({
      vmid: 9105,
    });
    expect(await h.engine.resolveTemplate({ kind: 'name', name: 'rocky-9' }, 'pve3')).toMatchObject({
      reason: 'template-not-found',
    });
    const r = await h.engine.preflight({
      template: { kind: 'base', base: 0 },
      name: 'by-base',
      node: 'pve3',
      mode: 'full',
    });
    expect(r).toMatchObject({ ok: true, template: { vmid: 9300, node: 'pve3' } });
  });

  it('lists a node’s templates with their problems', async () => {
    const list = await h.engine.listTemplates('pve1');
    expect(list.map((t) => t.vmid)).toEqual([112, 113, 9100, 9105]);
    expect(list.find((t) => t.vmid === 113)?.problems.join(' ')).toMatch(/unused0/);
    expect(list.find((t) => t.vmid === 9100)).toMatchObject({ bootDisk: 'scsi0', problems: [] });
  });
});
