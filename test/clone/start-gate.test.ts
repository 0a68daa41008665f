import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStartGate } from '../../src/clone/start-gate.ts';
import { type CloneHarness, cloneRequest, startCloneHarness } from './clone-harness.ts';

describe('createStartGate', () => {
  it('lets `limit` in, queues the rest in order, and a release (once, however often called) lets the next in', async () => {
    const gate = createStartGate(2);
    const a = await gate.enter();
    const b = await gate.enter();
    const order: string[] = [];
    const c = gate.enter().then((p) => (order.push('c'), p));
    const d = gate.enter().then((p) => (order.push('d'), p));
    await Promise.resolve();
    expect(gate.stats()).toEqual({ inside: 2, waiting: 2 });
    a.release();
    a.release(); // idempotent: does not let a second one in
    await c;
    expect(order).toEqual(['c']);
    expect(gate.stats()).toEqual({ inside: 2, waiting: 1 });
    b.release();
    (await d).release();
    (await c).release();
    expect(gate.stats()).toEqual({ inside: 0, waiting: 0 });
  });
});

describe('clones of one process start one at a time with startsAtOnce 1', () => {
  let h: CloneHarness;
  beforeAll(async () => {
    h = await startCloneHarness({ engine: { startsAtOnce: 1 } });
  });
  afterAll(() => h.close());

  it('each clone checks its template only after the previous clone POST answered; all four finish', async () => {
    const from = h.sim.requests.entries.length;
    const results = await Promise.all(
      [1, 2, 3, 4].map((i) => h.engine.cloneVmFromTemplate(cloneRequest(112, `gated-${i}`, 'pve1'))),
    );
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
    const steps = h.sim.requests.entries
      .slice(from)
      .filter((e) => e.path === '/nodes/pve1/qemu/112/config' || e.path === '/nodes/pve1/qemu/112/clone')
      .map((e) => (e.method === 'POST' ? 'POST' : 'check'));
    expect(steps).toEqual(['check', 'POST', 'check', 'POST', 'check', 'POST', 'check', 'POST']);
  });
});
