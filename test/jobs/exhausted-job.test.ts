import { afterEach, describe, expect, it } from 'vitest';
import { scaledClock } from '../../src/clock.ts';
import type { CloneEngine } from '../../src/clone/types.ts';
import type { CloneCheckpoint, CloneFailure } from '../../src/core/types.ts';
import { type SimEngines, startSimEngines } from './sim-engine.ts';
import { until, workerHarness } from './worker-harness.ts';

type Harness = Awaited<ReturnType<typeof workerHarness>>;

/** An engine that cannot even start: every run throws before anything is sent to Proxmox. */
function brokenEngine(message: string): CloneEngine & { runs: number } {
  const engine = {
    runs: 0,
    preflight: async () => {
      throw new Error(message);
    },
    listTemplates: async () => [],
    resolveTemplate: async () => {
      throw new Error(message);
    },
    cloneVmFromTemplate: async () => {
      engine.runs += 1;
      throw new Error(message);
    },
  };
  return engine;
}

describe('a clone job that fails every attempt', () => {
  let h: Harness;
  afterEach(async () => {
    await h.cleanup();
  });

  it('ends the request as failed and says so once, instead of leaving it "cloning" forever', async () => {
    h = await workerHarness({ attempts: 2, backoffMs: 10 });
    const engine = brokenEngine('connect ECONNREFUSED 10.0.0.5:8006');
    await h.startWorker(engine);
    const r = await h.submit();
    await until('the failure to be delivered', () => h.recorder.delivered().length === 1);
    // The flag is saved right after the notifier returns: wait for it rather than race it.
    await until('resultDelivered', async () => (await h.store.get(r.id))?.resultDelivered === true);
    expect(engine.runs).toBe(2);
    const record = await h.store.get(r.id);
    expect(record?.status).toBe('failed');
    expect(record?.resultDelivered).toBe(true);
    const result = h.recorder.delivered()[0]?.result;
    expect(result?.ok).toBe(false);
    if (result?.ok === false) {
      // A plain sentence in the channel; the raw error (an internal address) only in the log.
      expect(result.diagnosis.summary).toBe(
        'The clone job gave up after 2 attempts: the worker could not reach Proxmox (connection refused).',
      );
      expect(result.diagnosis.summary).not.toContain('10.0.0.5');
      expect(result.diagnosis.advice[0]).toBe('Nothing was created on Proxmox: no clone had been started');
    }
  });

  describe('after a clone was started (the real engine lookups, the Proxmox simulator)', () => {
    let pve: SimEngines;
    afterEach(async () => {
      await pve.close();
    });

    /** An engine that saves `checkpoint` (with Proxmox's own task) and then throws, every attempt. */
    const dyingAfter = (checkpoint: () => CloneCheckpoint): CloneEngine => ({
      ...brokenEngine('Redis connection lost'),
      cloneVmFromTemplate: async (_request, options) => {
        await options?.onCheckpoint?.(checkpoint());
        throw new Error('Redis connection lost');
      },
    });

    /** A clone of template 112 on pve1 to `newid`, followed to its end; returns its UPID. */
    const cloneToEnd = async (newid: number) => {
      const client = pve.client();
      const upid = await client.startClone({
        node: 'pve1',
        templateVmid: 112,
        newid,
        name: 'test-clone',
        full: true,
      });
      await until(
        'the clone task to end',
        async () => (await client.getTaskStatus(upid)).status === 'stopped',
      );
      return upid;
    };

    const gaveUp = async (checkpoint: () => CloneCheckpoint) => {
      const engines = pve;
      const lookup = engines.engine();
      await h.startWorker(dyingAfter(checkpoint), {
        cloneLookup: {
          taskStatus: (upid) => engines.client().getTaskStatus(upid),
          findStartedClone: (cp) => lookup.findStartedClone(cp),
        },
      });
      const r = await h.submit();
      await until('the failure to be delivered', () => h.recorder.delivered().length === 1);
      return { r, result: h.recorder.delivered()[0]?.result as CloneFailure };
    };

    it('a clone task that ended OK: no Delete offer, the advice says it may be a complete VM', async () => {
      h = await workerHarness({ attempts: 1, clock: scaledClock(300) });
      pve = await startSimEngines(h.clock, h.logger);
      const startedAt = h.clock.now();
      const upid = await cloneToEnd(4200);
      const { result } = await gaveUp(() => ({
        step: 'started',
        templateVmid: 112,
        templateNode: 'pve1',
        newVmid: 4200,
        upid,
        startedAt,
      }));
      expect(result.upid).toBe(upid);
      expect(result.diagnosis.leftover).toBeUndefined();
      expect(result.diagnosis.advice[0]).toContain(
        `The clone task ${upid} ended OK: VM 4200 on pve1 may be complete`,
      );
      expect(pve.sim.vm(4200)).toBeDefined();
    });

    it('only the VMID saved: the started clone is searched for and named, never "Nothing was created"', async () => {
      h = await workerHarness({ attempts: 1, clock: scaledClock(300) });
      pve = await startSimEngines(h.clock, h.logger);
      const startedAt = h.clock.now() - 1000;
      const upid = await cloneToEnd(4201);
      const { result } = await gaveUp(() => ({
        step: 'allocated',
        templateVmid: 112,
        templateNode: 'pve1',
        newVmid: 4201,
        startedAt,
      }));
      expect(result.upid).toBe(upid);
      expect(result.diagnosis.advice.join(' ')).not.toContain('Nothing was created');
      expect(result.diagnosis.advice[0]).toContain(`The clone task ${upid} ended OK`);
      expect(result.diagnosis.leftover).toBeUndefined();
    });
  });
});
