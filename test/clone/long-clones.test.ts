import { afterEach, describe, expect, it } from 'vitest';
import { type CloneHarness, cloneRequest, startCloneHarness } from './clone-harness.ts';

let h: CloneHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('long clones', () => {
  it('a hung clone ends at CLONE_TIMEOUT_SECONDS with diagnostics; the task and lock are left alone', async () => {
    // Scale 100: the real-time cost of each HTTPS call stays small next to the 60 s limit.
    h = await startCloneHarness({ scale: 100, env: { CLONE_TIMEOUT_SECONDS: '60' } });
    h.sim.faults.hangClone({ template: 9105 });
    await h.engine.preflight(cloneRequest(9105, 'hung', 'pve1')); // warm the connection up
    let startedAt = Number.NaN;
    const r = await h.engine.cloneVmFromTemplate(cloneRequest(9105, 'hung', 'pve1'), {
      onCheckpoint: async (cp) => {
        if (cp.step === 'started') startedAt = cp.startedAt as number;
      },
    });
    const elapsed = h.clock.now() - startedAt;
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(elapsed).toBeGreaterThanOrEqual(60_000);
    expect(elapsed).toBeLessThan(120_000);
    const d = r.diagnosis;
    expect(d.reason).toBe('timeout');
    expect(d.taskExitStatus).toBeUndefined();
    expect(d.summary).toMatch(
      new RegExp(
        `VM ${r.vmid} did not finish within 1m 00s \\(task running; VM ${r.vmid} is locked \\(clone\\)`,
      ),
    );
    expect(d.taskLogTail?.some((l) => l.startsWith('create full clone of drive scsi0'))).toBe(true);
    expect(d.leftover).toEqual({ vmid: r.vmid, node: 'pve1', lock: 'clone' });
    expect(d.advice[0]).toMatch(/did not stop the task or touch the lock/);
    expect(h.sim.requests.count('DELETE', /\/tasks\//)).toBe(0);
    expect(h.sim.task(r.upid as string)?.status).toBe('running');
    expect(h.sim.vm(r.vmid as number)?.config.lock).toBe('clone');
  });

  it('a clone longer than the 2-hour ticket lifetime renews the ticket (password auth) and succeeds', async () => {
    h = await startCloneHarness({
      scale: 3000,
      auth: 'password',
      env: { CLONE_TIMEOUT_SECONDS: '14400', PROGRESS_INTERVAL_SECONDS: '600' },
      sim: { copyBytesPerSecond: 4 * 1024 * 1024 },
      engine: { pollIntervalMs: 30_000 },
    });
    const start = h.clock.now();
    const r = await h.engine.cloneVmFromTemplate(cloneRequest(112, 'slow-and-long', 'pve1'));
    expect(r.ok).toBe(true);
    expect(h.clock.now() - start).toBeGreaterThan(2 * 3600_000);
    expect(h.sim.requests.count('POST', '/access/ticket')).toBeGreaterThanOrEqual(2);
    expect(h.sim.requests.entries.filter((e) => e.status === 401)).toEqual([]);
  });
});
