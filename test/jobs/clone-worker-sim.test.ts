import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scaledClock } from '../../src/clock.ts';
import { parseVmDescription } from '../../src/core/vm-record.ts';
import { type SimEngines, startSimEngines } from './sim-engine.ts';
import { until, workerHarness } from './worker-harness.ts';

type Harness = Awaited<ReturnType<typeof workerHarness>>;

// The real clone engine against the real Proxmox simulator over HTTPS, on one clock 300× real time.
describe('clone worker with the real engine and the Proxmox simulator', () => {
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

  it('takes a request through started, progress and finished with one clone POST', async () => {
    await h.startWorker(pve.engine());
    const r = await h.submit();
    await until('delivery', () => h.recorder.delivered().length === 1);
    const result = h.recorder.delivered()[0]?.result;
    expect(result).toMatchObject({ ok: true, name: 'test-clone', node: 'pve1', templateVmid: 112 });
    expect(pve.clonePosts()).toBe(1);
    expect(h.recorder.startedCalls).toHaveLength(1);
    expect(h.recorder.progressCalls.length).toBeGreaterThan(0);
    await until('resultDelivered', async () => (await h.store.get(r.id))?.resultDelivered === true);
    expect(await h.store.get(r.id)).toMatchObject({ status: 'done', checkpoint: { step: 'completed' } });
    // No owner-record step here: the notes came with the clone POST itself (a leftover carries them too).
    const notes = String(pve.sim.vm(result?.ok ? result.vmid : 0)?.config.description);
    expect(parseVmDescription(notes)).toMatchObject({ requestId: r.id, template: '112' });
  });

  it('keeps clones per node within the limit across two workers', async () => {
    await h.startWorker(pve.engine(), { concurrencyPerNode: 2, concurrency: 4 });
    await h.startWorker(pve.engine(), { concurrencyPerNode: 2, concurrency: 4 });
    let max = 0;
    const sampler = setInterval(() => {
      max = Math.max(max, pve.runningClones('pve1'));
    }, 2);
    try {
      for (let i = 0; i < 4; i++) await h.submit({ name: `vm-${i}` });
      await until('four deliveries', () => h.recorder.delivered().length === 4, 20_000);
    } finally {
      clearInterval(sampler);
    }
    expect(h.recorder.delivered().every((c) => c.result.ok)).toBe(true);
    // Parallel clones may race for the same /cluster/nextid VMID; the engine then retries with a fresh one,
    // so POSTs can exceed 4, but exactly four clone tasks succeed, each with its own VM.
    const ok = pve.sim.tasks().filter((t) => t.type === 'qmclone' && t.exitstatus === 'OK');
    expect(ok).toHaveLength(4);
    const vmids = h.recorder.delivered().map((c) => (c.result.ok ? c.result.vmid : 0));
    expect(new Set(vmids).size).toBe(4);
    expect(max).toBe(2);
  });

  it('resumes on another worker when the first dies mid-clone: one POST, one final result', async () => {
    // A slower copy (32 GiB at 50 MiB/s: ~11 simulated minutes, ~2 s real) so the task outlives the death.
    await pve.close();
    pve = await startSimEngines(h.clock, h.logger, { copyBytesPerSecond: 50 * 1024 * 1024 });
    const dyingEngine = pve.engine();
    // Default (30 s) locks: a live worker's lock never lapses on a busy machine; the death expires it. Every
    // worker checks for stalled jobs often (BullMQ throttles that check queue-wide by the last interval set).
    const dying = await h.startWorker(dyingEngine, { stalledIntervalMs: 200 });
    const r = await h.submit();
    await until('the clone task', async () => (await h.store.get(r.id))?.checkpoint?.step === 'started');
    await dying.kill(() => dyingEngine.freeze());
    await h.expireLock(r.id);
    const upid = (await h.store.get(r.id))?.checkpoint?.upid as string;
    expect(pve.sim.task(upid)?.status).toBe('running');
    await h.startWorker(pve.engine(), { stalledIntervalMs: 200 });
    await until('delivery', () => h.recorder.delivered().length === 1, 20_000);
    // The new worker followed the dead worker's task to its end: same UPID, no second POST.
    expect(h.recorder.delivered()[0]?.result).toMatchObject({ ok: true, upid });
    expect(pve.clonePosts()).toBe(1);
    expect(h.recorder.startedCalls).toHaveLength(1);
    expect(h.recorder.finishedCalls).toHaveLength(1);
  });

  it('delivers once after two notifier failures, cloning once', async () => {
    h.recorder.failFinished = 2;
    await h.startWorker(pve.engine());
    const r = await h.submit();
    await until('delivery', () => h.recorder.delivered().length === 1);
    await until('resultDelivered', async () => (await h.store.get(r.id))?.resultDelivered === true);
    expect(h.recorder.finishedCalls.map((c) => c.delivered)).toEqual([false, false, true]);
    expect(pve.clonePosts()).toBe(1);
  });

  it('stops the Proxmox task when a cloning request is cancelled', async () => {
    await pve.close();
    pve = await startSimEngines(h.clock, h.logger, { copyBytesPerSecond: 50 * 1024 * 1024 });
    await h.startWorker(pve.engine());
    const r = await h.submit();
    await until('the clone task', async () => (await h.store.get(r.id))?.checkpoint?.step === 'started');
    const upid = (await h.store.get(r.id))?.checkpoint?.upid as string;
    expect(await h.store.cancel(r.id, 'U111')).toMatchObject({ ok: true, previous: 'cloning' });
    await until('delivery', () => h.recorder.delivered().length === 1);
    expect(h.recorder.delivered()[0]?.result).toMatchObject({
      ok: false,
      diagnosis: { reason: 'cancelled' },
    });
    expect(pve.sim.task(upid)?.status).toBe('stopped');
    expect(pve.sim.task(upid)?.exitstatus).not.toBe('OK');
    expect(await h.store.get(r.id)).toMatchObject({ status: 'cancelled', cancelledBy: 'U111' });
  });
});
