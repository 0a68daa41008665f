import { afterEach, expect, it } from 'vitest';
import { type CloneHarness, startCloneHarness, startManyClones } from './clone-harness.ts';

// Clones the cluster task list does not show are asked of their node: one GET of the node's clone tasks for
// them all, not a GET task status each. A token without Sys.Audit on `/` sees none of its own tasks in
// /cluster/tasks (pve-manager PVE/API2/Cluster.pm), and the list can fail; before, either made every poll cost
// a GET per clone followed (a thousand clones: a thousand GETs a poll).
const CLONES = 40;
let h: CloneHarness | undefined;
afterEach(() => h?.close());

/** Starts CLONES long clones on pve1, lets `window` pass once all run, and returns the GETs made in it. */
async function follow(prepare: (h: CloneHarness) => void, windowMs = 20_000) {
  h = await startCloneHarness({
    scale: 60,
    sim: { storageLockConcurrency: 1000, copyBytesPerSecond: 4 * 1024 ** 2 },
  });
  prepare(h);
  const { abort, results } = await startManyClones(h, CLONES, 'nodelist');
  await h.clock.sleep(5_000);
  const from = h.clock.now();
  await h.clock.sleep(windowMs);
  const to = h.clock.now();
  abort.abort();
  const ended = await Promise.all(results);
  const gets = h.sim.requests.entries.filter((e) => e.method === 'GET' && e.at >= from && e.at < to);
  const count = (re: RegExp) => gets.filter((e) => re.test(e.path)).length;
  return {
    polls: count(/^\/cluster\/tasks$/),
    nodeLists: count(/^\/nodes\/pve1\/tasks$/),
    taskStatus: count(/\/tasks\/[^/]+\/status$/),
    cancelled: ended.filter((r) => !r.ok && r.diagnosis.reason === 'cancelled').length,
  };
}

it(`a token without Sys.Audit on /: ${CLONES} clones cost one node task list a poll, no GET task status each`, async () => {
  const r = await follow((harness) => harness.sim.faults.denyPrivilege('/', 'Sys.Audit'));
  expect(r.polls).toBeGreaterThan(0);
  // One node list per poll. The window is cut by time, so on a loaded machine a node list may fall just inside
  // it while its poll's /cluster/tasks fell just before (seen: 10 lists, 9 polls).
  expect(r.nodeLists).toBeGreaterThanOrEqual(r.polls);
  expect(r.nodeLists).toBeLessThanOrEqual(r.polls + 1);
  expect(r.taskStatus).toBe(0);
  // Each clone was still followed to its end: the node's list told its task apart from the others.
  expect(r.cancelled).toBe(CLONES);
}, 120_000);

it('/cluster/tasks failing: the node answers for every clone, one GET a poll', async () => {
  const r = await follow((harness) =>
    harness.sim.faults.flap({ method: 'GET', path: '/cluster/tasks', count: 1_000_000, status: 500 }),
  );
  // The client retries a failed GET, so each poll makes several /cluster/tasks requests: at most one node list.
  expect(r.nodeLists).toBeGreaterThan(0);
  expect(r.nodeLists).toBeLessThanOrEqual(r.polls);
  expect(r.taskStatus).toBe(0);
  expect(r.cancelled).toBe(CLONES);
}, 120_000);
