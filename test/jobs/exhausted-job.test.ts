import { afterEach, describe, expect, it } from 'vitest';
import type { CloneEngine } from '../../src/clone/types.ts';
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
});
