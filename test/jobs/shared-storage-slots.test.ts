import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scaledClock } from '../../src/clock.ts';
import { sharedStoragesLookup, sharedStoragesWritten } from '../../src/clone/shared-storages-written.ts';
import { type SimEngines, startSimEngines } from './sim-engine.ts';
import { until, workerHarness } from './worker-harness.ts';

type Harness = Awaited<ReturnType<typeof workerHarness>>;
const MiB = 1024 * 1024;

// Issue 14 item 7: clones on two nodes onto one shared storage (ceph) share a cluster-wide slot limit.
describe('clone slots per shared storage, across nodes', () => {
  let h: Harness;
  let pve: SimEngines;

  beforeEach(async () => {
    h = await workerHarness({ clock: scaledClock(300) });
    // 8 GiB at 25 MiB/s: ~5.5 simulated minutes (~1 s real) a copy, so the two would overlap without the limit.
    pve = await startSimEngines(h.clock, h.logger, { copyBytesPerSecond: 25 * MiB });
  });
  afterEach(async () => {
    await h.cleanup();
    await pve.close();
  });

  const posts = () => pve.sim.requests.filter('POST', /^\/nodes\/[^/]+\/qemu\/\d+\/clone$/);

  it('limit 1: of two clones on pve1 and pve2 onto ceph, the second POST is sent only after the first task ended', async () => {
    const engine = pve.engine();
    const client = pve.client();
    await h.startWorker(engine, {
      concurrencyPerNode: 2,
      sharedStorages: {
        limit: 1,
        of: (request) => sharedStoragesWritten({ engine, proxmox: client }, request),
      },
    });
    await h.submit({ template: { kind: 'vmid', vmid: 9100 }, node: 'pve1', name: 'on-pve1' });
    await h.submit({ template: { kind: 'vmid', vmid: 9200 }, node: 'pve2', name: 'on-pve2' });
    await until('both deliveries', () => h.recorder.delivered().length === 2, 30_000);
    expect(h.recorder.delivered().map((c) => (c.result.ok ? 'ok' : c.result.diagnosis.summary))).toEqual([
      'ok',
      'ok',
    ]);
    const [first, second] = posts();
    expect(posts()).toHaveLength(2);
    expect(new Set([first?.path, second?.path])).toEqual(
      new Set(['/nodes/pve1/qemu/9100/clone', '/nodes/pve2/qemu/9200/clone']),
    );
    const firstId = first?.path.split('/')[4];
    const firstTask = pve.sim.tasks().find((t) => t.type === 'qmclone' && t.id === firstId);
    expect(firstTask?.endtime).toBeDefined();
    // endtime is whole seconds, rounded down: the second POST came no earlier than the first task's end.
    expect(second?.at).toBeGreaterThanOrEqual((firstTask?.endtime ?? Infinity) * 1000);
  });

  it('a storage list that cannot be read does not stop the clone: it runs without storage slots', async () => {
    await h.startWorker(pve.engine(), {
      sharedStorages: {
        limit: 1,
        of: async () => {
          throw new Error('Permission check failed (/storage, Datastore.Audit)');
        },
      },
    });
    await h.submit({ template: { kind: 'vmid', vmid: 9100 }, node: 'pve1', name: 'on-pve1' });
    await until('the delivery', () => h.recorder.delivered().length === 1, 30_000);
    expect(h.recorder.delivered()[0]?.result.ok).toBe(true);
    expect(posts()).toHaveLength(1);
  });

  it('reads which shared storages a clone writes: ceph for the ceph template, none for a local one', async () => {
    const deps = { engine: pve.engine(), proxmox: pve.client() };
    const request = { name: 'x', mode: 'full' as const };
    expect(
      await sharedStoragesWritten(deps, { ...request, template: { kind: 'vmid', vmid: 9100 }, node: 'pve1' }),
    ).toEqual(['ceph']);
    expect(
      await sharedStoragesWritten(deps, { ...request, template: { kind: 'vmid', vmid: 9105 }, node: 'pve1' }),
    ).toEqual([]);
    // A full clone of a local template onto ceph writes ceph.
    expect(
      await sharedStoragesWritten(deps, {
        ...request,
        template: { kind: 'vmid', vmid: 9105 },
        node: 'pve1',
        storage: 'ceph',
      }),
    ).toEqual(['ceph']);
  });
  it('lookups of one template taken together share their reads; a later lookup reads afresh', async () => {
    const lookup = sharedStoragesLookup({ engine: pve.engine(), proxmox: pve.client() });
    const request = {
      name: 'x',
      mode: 'full' as const,
      template: { kind: 'vmid' as const, vmid: 9100 },
      node: 'pve1',
    };
    const reads = () => pve.sim.requests.filter('GET', /^\/cluster\/resources$/).length;
    const before = reads();
    const answers = await Promise.all(Array.from({ length: 50 }, () => lookup(request)));
    expect(answers.every((a) => a.length === 1 && a[0] === 'ceph')).toBe(true);
    // Fifty jobs taken at once: one round of reads, not fifty (each /cluster/resources lists every VM).
    expect(reads() - before).toBe(1);
    // Another template is its own lookup, and a lookup after the first ended reads again.
    expect(await lookup({ ...request, template: { kind: 'vmid', vmid: 9105 } })).toEqual([]);
    expect(await lookup(request)).toEqual(['ceph']);
    expect(reads() - before).toBe(3);
  });
});
