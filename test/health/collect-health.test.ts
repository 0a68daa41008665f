import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import type { Finding, HealthReport } from '../../src/core/health-types.ts';
import { healthKeys } from '../../src/health/health-keys.ts';
import { createRedisKnownTemplates } from '../../src/health/known-templates-store.ts';
import { createRedisLockSinceStore } from '../../src/health/lock-since-store.ts';
import { runHealthCheck } from '../../src/health/run-health-check.ts';
import { connect, deleteKeys, freshPrefix } from '../requests/redis-fixture.ts';
import { breakTemplates, type HealthSim, startHealthSim } from './health-harness.ts';

const HOUR = 3_600_000;
let h: HealthSim;
let redis: Redis;
const prefix = freshPrefix();

const check = () =>
  runHealthCheck({
    proxmox: h.proxmox,
    clock: systemClock,
    lockSince: createRedisLockSinceStore(redis, prefix),
    knownTemplates: createRedisKnownTemplates(redis, prefix),
    lockStuckMs: HOUR,
  });
const all = (r: HealthReport): Finding[] =>
  r.nodes.flatMap((n) => [...n.findings, ...n.templates.flatMap((t) => t.findings)]);
const byId = (r: HealthReport, id: string) => {
  const f = all(r).find((x) => x.id === id);
  if (!f)
    throw new Error(
      `no finding ${id} in ${all(r)
        .map((x) => x.id)
        .join(', ')}`,
    );
  return f;
};

beforeAll(async () => {
  h = await startHealthSim();
  redis = connect();
});
afterAll(async () => {
  await deleteKeys(redis, prefix);
  redis.disconnect();
  await h.close();
});

describe('template health against the Proxmox simulator', () => {
  it('names every broken template with its fix, reports offline nodes and leaves healthy ones alone', async () => {
    // First look with every node online: pve4's templates are remembered, the lock on 9205 is first seen.
    breakTemplates(h);
    const first = await check();
    expect(first.nodes.find((n) => n.node === 'pve4')?.online).toBe(true);
    expect(byId(first, 'pve2/9205/lock-busy').message).toContain('locked (backup)');
    // As if that first look had been two hours ago (the bot's Redis memory); then pve4 goes down.
    await redis.hset(healthKeys(prefix).lockSince, 'pve2/9205/backup', String(Date.now() - 2 * HOUR));
    h.sim.faults.nodeOffline('pve4');
    const r = await check();

    expect(byId(r, 'pve1/113/disk-only-unused')).toMatchObject({ severity: 'error' });
    expect(byId(r, 'pve1/113/disk-only-unused').fix).toContain(
      'qm set 113 --scsi0 local-lvm:base-113-disk-0',
    );
    expect(byId(r, 'pve1/9100/boot-order-empty')).toMatchObject({ severity: 'warning', base: 0 });
    expect(byId(r, 'pve1/9100/boot-order-empty').fix).toBe(
      "put the boot disk first: qm set 9100 --boot 'order=scsi0'",
    );
    expect(byId(r, 'pve2/9200/no-disk').fix).toBe(
      'recreate template 9200 on pve2 from base 0: disk scsi0 missing',
    );
    expect(byId(r, 'pve2/9205/lock-stuck').message).toMatch(/locked \(backup\) for 2 ?h/);
    expect(byId(r, 'pve2/9205/lock-stuck').fix).toContain('qm unlock 9205');
    expect(byId(r, 'pve2/9210/storage-full/nvme').message).toContain('a full clone needs 8.0 GiB');
    expect(byId(r, 'pve3/9300/storage-inactive/ceph').fix).toContain('ceph is inactive on pve3');
    expect(byId(r, 'pve3/9300/cloudinit-missing').fix).toBe(
      'add it: qm set 9300 --ide2 ceph:cloudinit (use a storage pve3 has)',
    );
    expect(byId(r, 'pve3/base-5/copy-missing').fix).toContain('recreate template 9305 on pve3 from base 5');
    expect(byId(r, 'pve1/base-10/copy-missing').fix).toContain('recreate template 9110 on pve1 from base 10');
    expect(byId(r, 'pve2/9205/copy-drift-disk-size').message).toContain('24.0 GiB');
    expect(byId(r, 'pve1/9105/copy-drift-disk-size').message).toContain('20.0 GiB');

    // pve4 is offline: reported with its last known template, not failed on, and no copy is missing "on" it.
    const pve4 = r.nodes.find((n) => n.node === 'pve4');
    expect(pve4).toMatchObject({ online: false, knownTemplates: [9400], templates: [] });
    expect(pve4?.findings.map((f) => f.code)).toEqual(['node-offline']);
    expect(r.summary.nodesOffline).toEqual(['pve4']);

    // Healthy templates stay healthy (112 carries only the "outside the scheme" note).
    const t112 = r.nodes.find((n) => n.node === 'pve1')?.templates.find((t) => t.vmid === 112);
    expect(t112?.healthy).toBe(true);
    expect(t112?.findings.map((f) => f.severity)).toEqual(['info']);
    expect(r.summary.ok).toBe(false);
    expect(r.summary.healthy).toBe(1);
  });

  it('forgets a lock once it is gone, so a new lock starts young', async () => {
    h.sim.faults.lockVm(9205, undefined);
    await check();
    expect(await redis.hgetall(healthKeys(prefix).lockSince)).toEqual({});
    h.sim.faults.lockVm(9205, 'backup');
    const r = await check();
    expect(
      all(r)
        .filter((f) => f.vmid === 9205 && f.code.startsWith('lock'))
        .map((f) => f.code),
    ).toEqual(['lock-busy']);
  });
});
