import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scaledClock } from '../../src/clock.ts';
import type { CloneEngine } from '../../src/clone/types.ts';
import type { CloneCheckpoint } from '../../src/core/types.ts';
import { createRequestStore } from '../../src/requests/request-store.ts';
import type { RecordPatch, RequestStore } from '../../src/requests/types.ts';
import { connect } from '../requests/redis-fixture.ts';
import { type SimEngines, startSimEngines } from './sim-engine.ts';
import { RecordingNotifier, until, workerHarness } from './worker-harness.ts';

type Harness = Awaited<ReturnType<typeof workerHarness>>;
type Step = CloneCheckpoint['step'];

/**
 * A worker's store that "SIGSTOPs" the worker right after it saved the checkpoint `step`: the write returns
 * only once `resume()` is called, so the job's code stands still exactly there (and, like a stopped
 * process, renews no lock meanwhile: its lock duration is long). Writes (and the owner check before the
 * clone is sent) refused as fenced out are recorded.
 */
function pausingStore(inner: RequestStore, step: Step) {
  let resume = () => {};
  const gate = new Promise<void>((r) => {
    resume = r;
  });
  const state = { paused: false, refused: [] as RecordPatch[], resume: () => resume() };
  const wrap = (store: RequestStore): RequestStore => ({
    ...store,
    fenced: (fence) => {
      const fenced = store.fenced(fence);
      return {
        ...wrap(fenced),
        async confirm(id) {
          try {
            await fenced.confirm(id);
          } catch (error) {
            if ((error as Error).name === 'FencedOutError') state.refused.push({});
            throw error;
          }
        },
      };
    },
    async update(id, patch) {
      let saved: Awaited<ReturnType<RequestStore['update']>>;
      try {
        saved = await store.update(id, patch);
      } catch (error) {
        if ((error as Error).name === 'FencedOutError') state.refused.push(patch);
        throw error;
      }
      if (patch.checkpoint?.step === step && !state.paused) {
        state.paused = true;
        await gate;
      }
      return saved;
    },
    async transition(id, from, to, patch, actor) {
      try {
        return await store.transition(id, from, to, patch, actor);
      } catch (error) {
        if ((error as Error).name === 'FencedOutError') state.refused.push(patch ?? {});
        throw error;
      }
    },
  });
  return { store: wrap(inner), state };
}

/** The engine's runs, and how each ended (a fenced-out run throws). */
function watched(engine: CloneEngine) {
  const ends: { error?: Error; ok?: boolean }[] = [];
  const wrapped: CloneEngine = {
    ...engine,
    cloneVmFromTemplate: (request, options) =>
      engine.cloneVmFromTemplate(request, options).then(
        (r) => {
          ends.push({ ok: r.ok });
          return r;
        },
        (error: Error) => {
          ends.push({ error });
          throw error;
        },
      ),
  };
  return { engine: wrapped, ends };
}

// Issue 14 item 2: a worker paused past its job lock (GC, SIGSTOP, a network stall) while another worker
// takes the job over must not act on it again when it wakes: one clone POST, one result, its writes refused.
describe('a worker paused past its job lock', () => {
  let h: Harness;
  let pve: SimEngines;
  const closers: (() => void)[] = [];

  beforeEach(async () => {
    h = await workerHarness({ clock: scaledClock(300) });
    pve = await startSimEngines(h.clock, h.logger);
  });

  afterEach(async () => {
    await h.cleanup();
    await pve.close();
    for (const c of closers.splice(0)) c();
  });

  it.each<Step>(['verified', 'allocated', 'started'])(
    'paused right after its %s checkpoint: the successor clones once, the woken worker does nothing more',
    async (step) => {
      const paused = watched(pve.engine());
      const pausedNotifier = new RecordingNotifier();
      const redis = connect();
      closers.push(() => redis.disconnect());
      const { store, state } = pausingStore(
        createRequestStore(redis, { prefix: h.prefix, clock: h.clock }),
        step,
      );
      await h.startWorker(paused.engine, {
        store,
        notifier: pausedNotifier.notifier,
        // A stopped process renews nothing: a lock that would not need renewing during the test.
        lockDurationMs: 120_000,
        stalledIntervalMs: 200,
        // A stopped process fetches no jobs either: its one slot stays taken by the paused run.
        concurrency: 1,
      });
      const r = await h.submit();
      await until(`the pause after ${step}`, () => state.paused);
      // Its lock expires (fast-forwarded) and the successor takes the job.
      await h.expireLock(r.id);

      await h.startWorker(pve.engine(), { stalledIntervalMs: 200 });
      await until('the successor delivers', () => h.recorder.delivered().length === 1, 15_000);
      await until('resultDelivered', async () => (await h.store.get(r.id))?.resultDelivered === true);
      const done = await h.store.get(r.id);
      const progressBefore = pausedNotifier.progressCalls.length;

      state.resume();
      await until('the woken run to end', () => paused.ends.length === 1);
      expect(pve.clonePosts()).toBe(1);
      expect(pve.sim.tasks().filter((t) => t.type === 'qmclone')).toHaveLength(1);
      expect(h.recorder.delivered()[0]?.result).toMatchObject({ ok: true, name: 'test-clone' });
      expect(h.recorder.finishedCalls).toHaveLength(1);
      // The woken worker posted nothing more: no result, no progress edit.
      expect(pausedNotifier.finishedCalls).toHaveLength(0);
      expect(pausedNotifier.progressCalls).toHaveLength(progressBefore);
      // Its writes were refused: the successor's record stands as it left it.
      expect(await h.store.get(r.id)).toEqual(done);
      expect(done).toMatchObject({ status: 'done', checkpoint: { step: 'completed' } });
      // It stopped because its writes (or the owner check before the POST) were refused.
      expect(paused.ends[0]?.error?.name).toBe('FencedOutError');
      expect(state.refused.length).toBeGreaterThan(0);
    },
  );
});

// BullMQ could not renew the job lock (the process was paused, Redis was out): the job may be another
// worker's already. The run stops at once, before its next fenced write would tell it.
describe('a worker whose job lock renewal failed', () => {
  let h: Harness;
  let pve: SimEngines;

  beforeEach(async () => {
    // Real time: progress is saved every 10 s, so between two saves only the failed renewal can stop the run.
    h = await workerHarness({ clock: scaledClock(1) });
    // A copy that outlasts the test (32 GiB at 1 MiB/s).
    pve = await startSimEngines(h.clock, h.logger, { copyBytesPerSecond: 1024 ** 2 });
  });

  afterEach(async () => {
    await h.cleanup();
    await pve.close();
  });

  it('stops following at once, leaving the Proxmox task running and saying nothing', async () => {
    const run = watched(pve.engine());
    // Renewed every half second: the first renewal after the lock is gone fails within a second.
    await h.startWorker(run.engine, { lockDurationMs: 1000 });
    const r = await h.submit();
    // Right after a progress save: the next one is 10 s away.
    await until('the copy', async () => (await h.store.get(r.id))?.lastProgress?.phase === 'cloning');
    const upid = (await h.store.get(r.id))?.checkpoint?.upid as string;
    await h.expireLock(r.id);
    await until('the run to end', () => run.ends.length === 1, 5000);
    expect(run.ends[0]?.error?.name).toBe('FencedOutError');
    expect(run.ends[0]?.error?.message).toMatch(/the job lock/);
    expect(pve.sim.task(upid)?.status).toBe('running');
    expect(pve.clonePosts()).toBe(1);
    expect(h.recorder.finishedCalls).toHaveLength(0);
  });
});
