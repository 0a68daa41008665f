import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shareConcurrentReads } from '../../src/clone/shared-reads.ts';
import type { ClusterVm } from '../../src/proxmox/types.ts';
import { type CloneHarness, cloneRequest, startCloneHarness } from './clone-harness.ts';

let h: CloneHarness;
beforeAll(async () => {
  h = await startCloneHarness();
});
afterAll(() => h.close());

const count = (from: number, path: string) =>
  h.sim.requests.entries.slice(from).filter((e) => e.method === 'GET' && e.path === path).length;

describe('pre-clone checks of clones starting together share their cluster reads', () => {
  it('twenty checks at once read /nodes once, and /cluster/resources and the storages a few times, not twenty', async () => {
    const from = h.sim.requests.entries.length;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => h.engine.preflight(cloneRequest(9105, `burst-${i}`, 'pve1'))),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    // All twenty ask for /nodes in the same tick; later reads are joined while one is in flight, so how many
    // go out depends on how the answers interleave (each template config read is the clone's own).
    expect(count(from, '/nodes')).toBe(1);
    expect(count(from, '/cluster/resources')).toBeLessThan(10);
    expect(count(from, '/nodes/pve1/storage')).toBeLessThan(10);
  });

  it('a check after another has ended reads afresh: a VM made in between is seen', async () => {
    const first = await h.engine.preflight(cloneRequest(9105, 'later-vm', 'pve1'));
    expect(first.ok).toBe(true);
    const made = await h.engine.cloneVmFromTemplate(cloneRequest(9105, 'later-vm', 'pve1'));
    expect(made.ok).toBe(true);
    const from = h.sim.requests.entries.length;
    const second = await h.engine.preflight(cloneRequest(9105, 'later-vm', 'pve1'));
    expect(count(from, '/cluster/resources')).toBe(1);
    expect(second.ok).toBe(false);
    if (!second.ok) expect(second.diagnosis.reason).toBe('name-taken');
  });
});

describe('shareConcurrentReads', () => {
  function scripted() {
    const pending: { resolve(v: ClusterVm[]): void; reject(e: Error): void }[] = [];
    const reads = { vms: 0, storages: [] as string[] };
    const shared = shareConcurrentReads({
      listNodes: async () => [],
      listClusterVms: () =>
        new Promise<ClusterVm[]>((resolve, reject) => {
          reads.vms++;
          pending.push({ resolve, reject });
        }),
      listStorages: async (node) => {
        reads.storages.push(node);
        return [];
      },
    });
    return { shared, pending, reads };
  }
  const vm = (vmid: number) => ({ vmid, node: 'pve1' }) as ClusterVm;

  it('joins calls while a read is in flight and reads afresh once it has ended', async () => {
    const { shared, pending, reads } = scripted();
    const a = shared.listClusterVms();
    const b = shared.listClusterVms();
    expect(reads.vms).toBe(1);
    pending[0]?.resolve([vm(100)]);
    expect(await a).toEqual([vm(100)]);
    expect(await b).toEqual([vm(100)]);
    const c = shared.listClusterVms();
    expect(reads.vms).toBe(2);
    pending[1]?.resolve([vm(100), vm(101)]);
    expect(await c).toEqual([vm(100), vm(101)]);
  });

  it('gives a failed read to its joiners, and the next call tries again', async () => {
    const { shared, pending, reads } = scripted();
    const a = shared.listClusterVms();
    const b = shared.listClusterVms();
    pending[0]?.reject(new Error('595 no route'));
    await expect(a).rejects.toThrow('595');
    await expect(b).rejects.toThrow('595');
    const c = shared.listClusterVms();
    expect(reads.vms).toBe(2);
    pending[1]?.resolve([]);
    expect(await c).toEqual([]);
  });

  it('keeps the storages of each node apart', async () => {
    const { shared, reads } = scripted();
    await Promise.all([
      shared.listStorages('pve1'),
      shared.listStorages('pve2'),
      shared.listStorages('pve1'),
    ]);
    expect(reads.storages).toEqual(['pve1', 'pve2']);
  });
});
