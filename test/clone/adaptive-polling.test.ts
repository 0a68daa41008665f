import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloneResult } from '../../src/core/types.ts';
import { type CloneHarness, cloneRequest, startCloneHarness } from './clone-harness.ts';

let h: CloneHarness;
// Stepped simulated time: it moves only while the engine and the simulator both wait on it, never during a
// Proxmox call. On a scaled clock (20x) a loaded machine's slow answers counted 20x in the gaps measured below.
beforeAll(async () => {
  h = await startCloneHarness({ stepped: true });
});
afterAll(() => h.close());

/** Runs a clone and returns it with the clock times it started, its task ended and its end was noticed. */
async function timedClone(name: string, mode: 'full' | 'linked') {
  let startedAt = Number.NaN;
  let noticedAt = Number.NaN;
  h.sim.requests.clear();
  const r: CloneResult = await h.engine.cloneVmFromTemplate(cloneRequest(112, name, 'pve1', { mode }), {
    onCheckpoint: async (cp) => {
      if (cp.step === 'allocated') startedAt = cp.startedAt as number;
    },
    onProgress: (p) => {
      if (p.phase === 'verifying-clone') noticedAt = h.clock.now();
    },
  });
  if (!r.ok) throw new Error(`clone failed: ${r.diagnosis.summary}`);
  const endtime = h.sim.task(r.upid as string)?.endtime as number;
  const polls = h.sim.requests.filter('GET', '/cluster/tasks').map((e) => e.at);
  const gaps = polls.slice(1).map((t, i) => ({ at: t, gap: t - (polls[i] as number) }));
  // endtime is whole seconds, floored: the task ended within the second after it.
  return { startedAt, noticedAt, endedAt: endtime * 1000, polls, gaps };
}

/** The median of the gaps between polls made in (from, to]: one slow real-time moment does not move it. */
function medianGap(gaps: { at: number; gap: number }[], from: number, to: number): number {
  const xs = gaps
    .filter((g) => g.at > from && g.at <= to)
    .map((g) => g.gap)
    .sort((a, b) => a - b);
  if (xs.length === 0) throw new Error('no polls in that stretch');
  return xs[Math.floor(xs.length / 2)] as number;
}

describe('adaptive polling', () => {
  it('a linked clone (ends within seconds) is noticed at once: polled fast from the start', async () => {
    const t = await timedClone('quick-linked', 'linked');
    expect(t.noticedAt - t.endedAt).toBeLessThan(3500);
    // Its first poll comes one fast interval after the start (no report or backoff delays it).
    expect((t.polls[0] as number) - t.startedAt).toBeLessThan(3000);
  });

  it('a long full clone: fast at first, backed off while copying, fast at the copy’s predicted end', async () => {
    const t = await timedClone('long-full', 'full');
    const duration = t.endedAt - t.startedAt;
    expect(duration).toBeGreaterThan(150_000);
    // The end is noticed within about one fast interval (plus endtime's rounding), well under the 5 s ceiling.
    expect(t.noticedAt - t.endedAt).toBeLessThan(3500);
    expect(medianGap(t.gaps, t.startedAt, t.startedAt + 10_000)).toBeLessThan(1500);
    const copying = medianGap(t.gaps, t.startedAt + 30_000, t.endedAt - 15_000);
    expect(copying).toBeGreaterThan(4000);
    expect(copying).toBeLessThan(6000);
    expect(medianGap(t.gaps, t.endedAt - 5000, t.noticedAt)).toBeLessThan(1500);
    // Far fewer reads than polling both lists every 2 s; the lock is read only when it serves the phase.
    expect(t.polls.length).toBeLessThan((0.7 * duration) / 2000);
    const vmReads = h.sim.requests.count('GET', '/cluster/resources') - 1; // 1: the preflight's
    expect(vmReads).toBeLessThan(t.polls.length / 2);
    // The task log is read for reports only (every PROGRESS_INTERVAL_SECONDS = 10 s here), not per poll.
    const logReads = h.sim.requests.count('GET', /\/tasks\/[^/]+\/log$/);
    expect(logReads).toBeLessThanOrEqual(duration / 10_000 + 4);
  });
});
