import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CloneEngineWithChecks, createCloneEngine } from '../../src/clone/create-clone-engine.ts';
import { loadConfig } from '../../src/config.ts';
import type { CloneCheckpoint, CloneRequest, CloneResult } from '../../src/core/types.ts';
import { createLogger } from '../../src/logger.ts';
import { createProxmoxClient, type ProxmoxHttpClient } from '../../src/proxmox/index.ts';
import { demoCluster } from '../../src/sim/proxmox/demo-cluster.ts';
import { type CloneHarness, cloneRequest, startCloneHarness } from './clone-harness.ts';

// Process A is the harness's engine; process B is a second engine with its own client (and so its own
// knowledge of UPIDs), both using the same API token, as several workers of one deployment do.
let h: CloneHarness;
let b: { client: ProxmoxHttpClient; engine: CloneEngineWithChecks };

beforeAll(async () => {
  const cluster = demoCluster();
  // Shared storage that pve2 does not have (storage.cfg `nodes pve1,pve3`).
  cluster.storages.push({
    storage: 'ceph-ssd',
    type: 'rbd',
    content: ['images'],
    shared: true,
    total: 1024 ** 4,
    nodes: ['pve1', 'pve3'],
  });
  h = await startCloneHarness({ sim: { cluster } });
  const config = loadConfig(h.env, ['proxmox', 'clone', 'log']);
  const logger = createLogger(config.log.level);
  const client = createProxmoxClient(config.proxmox, { logger, clock: h.clock });
  b = {
    client,
    engine: createCloneEngine({ proxmox: client, clock: h.clock, logger, config: config.clone }),
  };
});
afterAll(async () => {
  b.engine.close();
  await b.client.close();
  await h.close();
});

const posts112 = () => h.sim.requests.count('POST', '/nodes/pve1/qemu/112/clone');
const runningTasks = () => h.sim.tasks().filter((t) => t.status === 'running');

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; !ok(); i++) {
    if (i > 2000) throw new Error(`timed out waiting for ${what}`);
    await h.clock.sleep(100);
  }
}

/** Process A's clone of template 112 that runs until the returned function cancels it. */
async function otherProcessCloning(
  name: string,
): Promise<{ upid: string; stop: () => Promise<CloneResult> }> {
  const before = new Set(runningTasks().map((t) => t.upid));
  h.sim.faults.hangClone({ template: 112 });
  const abort = new AbortController();
  const done = h.engine.cloneVmFromTemplate(cloneRequest(112, name, 'pve1'), { signal: abort.signal });
  await until('the other clone to run', () => runningTasks().some((t) => !before.has(t.upid)));
  const upid = runningTasks().find((t) => !before.has(t.upid))?.upid as string;
  return {
    upid,
    stop: () => {
      abort.abort();
      return done;
    },
  };
}

/** Process B's clone of template 112 whose worker dies once it saved `step`; returns its checkpoints. */
async function killedAt(step: CloneCheckpoint['step'], request: CloneRequest): Promise<CloneCheckpoint[]> {
  const saved: CloneCheckpoint[] = [];
  await new Promise<void>((reached) => {
    void b.engine.cloneVmFromTemplate(request, {
      onCheckpoint: (cp) => {
        saved.push(cp);
        if (cp.step !== step) return Promise.resolve();
        reached();
        return new Promise<void>(() => {});
      },
    });
  });
  return saved;
}
const taskEnded = (upid: string | undefined) => () =>
  h.sim.tasks().some((t) => t.upid === upid && t.status === 'stopped');

describe('a resumed clone (allocated, UPID unsaved) while another process clones the same template', () => {
  it('adopts only its own task, never the other process’s', async () => {
    const other = await otherProcessCloning('other-1');
    const request = cloneRequest(112, 'resumed-own', 'pve1', { mode: 'linked' });
    const saved = await killedAt('started', request);
    const { upid: lost, ...allocated } = saved.at(-1) as CloneCheckpoint;
    await until('our clone to end', taskEnded(lost));
    const posts = posts112();
    const seen: CloneCheckpoint[] = [];
    const r = await b.engine.cloneVmFromTemplate(request, {
      resume: { ...allocated, step: 'allocated' },
      onCheckpoint: async (cp) => {
        seen.push(cp);
      },
    });
    expect(r.ok && r.vmid).toBe(allocated.newVmid);
    expect(seen.find((cp) => cp.step === 'started')?.upid).toBe(lost);
    expect(posts112()).toBe(posts);
    expect(runningTasks().map((t) => t.upid)).toContain(other.upid);
    expect((await other.stop()).ok).toBe(false);
  });

  it('reports its own clone’s failure instead of cloning again', async () => {
    const other = await otherProcessCloning('other-2');
    h.sim.faults.failClone('simulated disk error', { template: 112, atPercent: 10 });
    const request = cloneRequest(112, 'resumed-failed', 'pve1');
    const saved = await killedAt('started', request);
    const { upid: lost, ...allocated } = saved.at(-1) as CloneCheckpoint;
    await until('our clone to fail', taskEnded(lost));
    const posts = posts112();
    const r = await b.engine.cloneVmFromTemplate(request, { resume: { ...allocated, step: 'allocated' } });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r.ok ? r : r.diagnosis)).toMatch(/simulated disk error/);
    expect(posts112()).toBe(posts);
    expect(runningTasks().map((t) => t.upid)).toContain(other.upid);
    await other.stop();
  });

  it('clones once when its POST was never sent', async () => {
    const other = await otherProcessCloning('other-3');
    const request = cloneRequest(112, 'resumed-unsent', 'pve1', { mode: 'linked' });
    const cp = (await killedAt('allocated', request)).at(-1) as CloneCheckpoint;
    const posts = posts112();
    const r = await b.engine.cloneVmFromTemplate(request, { resume: cp });
    expect(r.ok && r.vmid).toBe(cp.newVmid);
    expect(posts112()).toBe(posts + 1);
    expect(runningTasks().map((t) => t.upid)).toContain(other.upid);
    await other.stop();
  });
});

describe('the clone POST to a node that cannot be reached', () => {
  it.each(['Connection refused', 'Connection timed out'])(
    '595 %s: one POST, failed as node-offline',
    async (reason) => {
      const posts = h.clonePosts();
      const r = await h.engine.cloneVmFromTemplate(cloneRequest(9105, 'offline', 'pve1'), {
        // pve1 drops off between the pre-clone check and the POST.
        onProgress: (p) => {
          if (p.phase === 'starting') h.sim.faults.nodeOffline('pve1', reason);
        },
      });
      h.sim.faults.nodeOnline('pve1');
      expect(r.ok || r.diagnosis.reason).toBe('node-offline');
      expect(h.clonePosts()).toBe(posts + 1);
    },
  );
});

describe('a target node without the requested storage', () => {
  it('is refused by the pre-clone check, before any POST', async () => {
    const posts = h.clonePosts();
    const request = cloneRequest(9100, 'ssd-on-pve2', 'pve1', { target: 'pve2', storage: 'ceph-ssd' });
    const r = await h.engine.cloneVmFromTemplate(request);
    expect(r.ok || r.diagnosis.reason).toBe('storage-invalid');
    expect(r.ok || r.diagnosis.summary).toMatch(/ceph-ssd.*pve2/);
    expect(h.clonePosts()).toBe(posts);
  });
});
