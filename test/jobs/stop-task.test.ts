import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scaledClock } from '../../src/clock.ts';
import { type SimEngines, startSimEngines } from './sim-engine.ts';
import { until, workerHarness } from './worker-harness.ts';

type Harness = Awaited<ReturnType<typeof workerHarness>>;
const MiB = 1024 ** 2;

// Cancelling a cloning request stops its Proxmox task (DELETE …/tasks/{upid}: SIGTERM, at most 5 s, then
// SIGKILL, pve-common RESTEnvironment `$kill_process_group`). Each way the stop can end is a cancel, with what
// Proxmox left behind, never "the worker process died".
describe('a cancelled clone reports what the stopped task left', () => {
  let h: Harness;
  let pve: SimEngines;

  beforeEach(async () => {
    h = await workerHarness({ clock: scaledClock(100) });
  });

  afterEach(async () => {
    await h.cleanup();
    await pve.close();
  });

  const cancelMidCopy = async () => {
    await h.startWorker(pve.engine());
    const r = await h.submit();
    await until(
      'the copy',
      async () => (await h.store.get(r.id))?.lastProgress?.percent !== undefined,
      20_000,
    );
    expect(await h.store.cancel(r.id, 'U111')).toMatchObject({ ok: true, previous: 'cloning' });
    await until('delivery', () => h.recorder.delivered().length === 1, 20_000);
    return { r, result: h.recorder.delivered()[0]?.result };
  };

  it('a cleanup cut off by SIGKILL: a cancel with the lock: clone VM and its disks, and the Delete VM offer', async () => {
    // Freeing a volume takes 20 s (a busy Ceph): the 1 s pause and the frees outlast by far the 5 s a stop
    // waits. (At 4 s the cleanup's three sleeps against the stop's five, on a 100x clock, raced on loaded cores.)
    pve = await startSimEngines(h.clock, h.logger, { copyBytesPerSecond: 50 * MiB, volumeFreeMs: 20_000 });
    const { r, result } = await cancelMidCopy();
    expect(result?.ok).toBe(false);
    if (result?.ok !== false) return;
    const vmid = result.vmid as number;
    const task = pve.sim.task(result.upid as string);
    expect(task?.exitstatus).toBe('unexpected status');
    expect(pve.sim.vm(vmid)?.config.lock).toBe('clone');
    const d = result.diagnosis;
    expect(d.reason).toBe('cancelled');
    expect(d.summary).toMatch(
      new RegExp(
        `^Clone of VM ${vmid} cancelled, but Proxmox's cleanup was cut off: .* left on pve1 with lock: clone and a partial disk \\(ide2 local-lvm:vm-${vmid}-cloudinit\\)$`,
      ),
    );
    expect(d.advice[0]).toContain(`qm unlock ${vmid}`);
    // The clone was POSTed with notes naming this request: the Delete button expects to find them.
    expect(d.leftover).toEqual({ vmid, node: 'pve1', lock: 'clone', requestId: r.id });
    expect(JSON.stringify(d)).not.toMatch(/worker process died/);
    expect(await h.store.get(r.id)).toMatchObject({ status: 'cancelled' });
  });

  it('a stop whose cleanup finishes in time: a cancel, and Proxmox removed the partial VM', async () => {
    pve = await startSimEngines(h.clock, h.logger, { copyBytesPerSecond: 50 * MiB });
    const { result } = await cancelMidCopy();
    if (result?.ok !== false) throw new Error('expected a failure');
    expect(pve.sim.task(result.upid as string)?.exitstatus).toBe('clone failed: interrupted by signal');
    expect(result.diagnosis).toMatchObject({ reason: 'cancelled', newVmConfig: 'removed' });
    expect(result.diagnosis.summary).toMatch(
      /cancelled: Proxmox stopped the task \(interrupted by signal\)$/,
    );
    expect(result.diagnosis.advice).toEqual(['Proxmox removed the partial VM: nothing to clean up']);
    expect(result.diagnosis.leftover).toBeUndefined();
  });
});
