import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CloneHarness, startCloneHarness, startManyClones } from './clone-harness.ts';

// One process following many clones at once keeps the Proxmox load flat: the shared watcher makes at most
// 2 GETs (/cluster/tasks, /cluster/resources) per poll for all of them, and each clone reads its task log at
// most once per progress interval. Upper bounds only: a slow machine makes fewer calls, never more.
const CLONES = 80;
const PROGRESS_MS = 30_000;
let h: CloneHarness;
beforeAll(async () => {
  h = await startCloneHarness({
    scale: 60,
    env: { PROGRESS_INTERVAL_SECONDS: String(PROGRESS_MS / 1000) },
    // Room for every copy at once on one storage, and copies slow enough to outlast the measurement.
    sim: { storageLockConcurrency: 1000, copyBytesPerSecond: 4 * 1024 ** 2 },
  });
});
afterAll(() => h.close());

it(`${CLONES} clones followed at once: ≤ 2 GETs per poll interval in all, ≤ 1 log read per clone per progress interval`, async () => {
  const { abort, results } = await startManyClones(h, CLONES, 'load');
  // Past every clone's fast first seconds: the steady state of a thousand long copies.
  await h.clock.sleep(15_000);
  const from = h.clock.now();
  await h.clock.sleep(3 * PROGRESS_MS);
  const to = h.clock.now();
  abort.abort();
  const ended = await Promise.all(results);

  const inWindow = h.sim.requests.entries.filter((e) => e.method === 'GET' && e.at >= from && e.at < to);
  const isLog = (path: string) => /^\/nodes\/[^/]+\/tasks\/[^/]+\/log$/.test(path);
  const pollGets = inWindow.filter((e) => !isLog(e.path));
  const polls = inWindow.filter((e) => e.path === '/cluster/tasks').length;
  // The watcher never polls closer than the fast interval (1 s by default).
  const minPollSpacingMs = 1000;
  expect(polls).toBeGreaterThan(0);
  expect(polls).toBeLessThanOrEqual((to - from) / minPollSpacingMs + 1);
  expect(pollGets.length).toBeLessThanOrEqual(2 * polls);
  const logReads = new Map<string, number>();
  for (const e of inWindow.filter((r) => isLog(r.path)))
    logReads.set(e.path, (logReads.get(e.path) ?? 0) + 1);
  expect(logReads.size).toBeGreaterThan(CLONES / 2);
  expect(Math.max(...logReads.values())).toBeLessThanOrEqual((to - from) / PROGRESS_MS + 1);
  // Every clone was followed to its (cancelled) end.
  expect(ended.filter((r) => !r.ok && r.diagnosis.reason === 'cancelled')).toHaveLength(CLONES);
}, 120_000);
