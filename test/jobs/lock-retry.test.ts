import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scaledClock } from '../../src/clock.ts';
import { type SimEngines, startSimEngines } from './sim-engine.ts';
import { until, workerHarness } from './worker-harness.ts';

type Harness = Awaited<ReturnType<typeof workerHarness>>;

// A storage lock timeout (pve-storage `cluster_lock_storage`, both wordings) is "retry later": the job is
// re-queued with a doubling pause, says so in the thread, and only the last attempt's timeout is a failure.
describe('storage lock timeouts are retried later, not reported as failures', () => {
  let h: Harness;
  let pve: SimEngines;

  beforeEach(async () => {
    h = await workerHarness({ clock: scaledClock(300) });
    pve = await startSimEngines(h.clock, h.logger);
  });

  afterEach(async () => {
    await h.cleanup();
    await pve.close();
  });

  it('re-queues after two timeouts, shows "waiting to retry" in the thread, then succeeds', async () => {
    pve.sim.faults.storageLockTimeout();
    pve.sim.faults.storageLockTimeout();
    await h.startWorker(pve.engine(), { lockRetry: { retries: 3, firstDelayMs: 40 } });
    const r = await h.submit();
    await until('delivery', () => h.recorder.delivered().length === 1, 20_000);
    expect(h.recorder.delivered()[0]?.result).toMatchObject({ ok: true, name: 'test-clone' });
    const clones = pve.sim.tasks().filter((t) => t.type === 'qmclone');
    expect(clones.map((t) => t.exitstatus)).toEqual([
      "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
      "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
      'OK',
    ]);
    const waits = h.recorder.progressCalls.filter((p) => p.phase === 'waiting-to-retry');
    expect(waits.map((p) => [p.retry?.attempt, p.retry?.of, p.retry?.inMs])).toEqual([
      [2, 4, 40],
      [3, 4, 80],
    ]);
    expect(waits[0]?.retry?.why).toContain('storage local-lvm');
    // One progress reply for the whole request: every attempt edits the same one.
    expect(h.recorder.startedCalls).toHaveLength(1);
    expect(new Set(h.recorder.progressRecords.map((x) => x.progressTs)).size).toBe(1);
    expect(await h.store.get(r.id)).toMatchObject({
      status: 'done',
      lockRetries: { count: 2 },
      checkpoint: { step: 'completed' },
    });
  });

  it('fails clearly once the retries are used up, saying how many attempts were made', async () => {
    for (let i = 0; i < 3; i++) pve.sim.faults.storageLockTimeout();
    await h.startWorker(pve.engine(), { lockRetry: { retries: 2, firstDelayMs: 20 } });
    const r = await h.submit();
    await until('delivery', () => h.recorder.delivered().length === 1, 20_000);
    const result = h.recorder.delivered()[0]?.result;
    expect(result?.ok).toBe(false);
    if (result?.ok !== false) return;
    expect(result.diagnosis.reason).toBe('storage-lock-timeout');
    expect(result.diagnosis.summary).toMatch(/lock of storage local-lvm.*\(3 attempts over \d+s\)$/);
    expect(result.diagnosis.advice[0]).toBe(
      'pve-clonebot tried 3 times with growing pauses; each time Proxmox removed the partial VM',
    );
    expect(pve.sim.tasks().filter((t) => t.type === 'qmclone')).toHaveLength(3);
    expect(h.recorder.progressCalls.filter((p) => p.phase === 'waiting-to-retry')).toHaveLength(2);
    expect(await h.store.get(r.id)).toMatchObject({ status: 'failed', lockRetries: { count: 2 } });
  });

  it('retries a timeout caused by slow allocation on shared storage (cfs-lock wording)', async () => {
    await pve.close();
    // Allocation slower than the 10 s lock timeout: the second of two parallel clones to the shared storage
    // waits out the first's allocation and times out (pve-storage `cfs_lock_storage`).
    pve = await startSimEngines(h.clock, h.logger, { storageAllocMs: 30_000 });
    const shared = pve.sim.storages().find((s) => s.shared && (s.type === 'rbd' || s.type === 'nfs'))
      ?.storage as string;
    expect(shared).toBeDefined();
    await h.startWorker(pve.engine(), { lockRetry: { retries: 3, firstDelayMs: 300 } });
    await h.submit({ name: 'a', storage: shared });
    await h.submit({ name: 'b', storage: shared });
    await until('two deliveries', () => h.recorder.delivered().length === 2, 30_000);
    expect(h.recorder.delivered().map((c) => c.result.ok)).toEqual([true, true]);
    const failed = pve.sim.tasks().filter((t) => t.type === 'qmclone' && t.exitstatus !== 'OK');
    expect(failed.length).toBeGreaterThan(0);
    for (const t of failed)
      expect(t.exitstatus).toBe(`clone failed: cfs-lock 'storage-${shared}' error: got lock request timeout`);
    expect(h.recorder.progressCalls.some((p) => p.phase === 'waiting-to-retry')).toBe(true);
  });
});
