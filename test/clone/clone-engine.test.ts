import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloneCheckpoint, CloneProgress, CloneResult } from '../../src/core/types.ts';
import { until } from '../jobs/worker-harness.ts';
import { type CloneHarness, cloneRequest, startCloneHarness } from './clone-harness.ts';

let h: CloneHarness;
beforeAll(async () => {
  h = await startCloneHarness();
});
afterAll(() => h.close());

const ok = (r: CloneResult) => {
  if (!r.ok) throw new Error(`clone failed: ${JSON.stringify(r.diagnosis, null, 1)}`);
  return r;
};
const failed = (r: CloneResult) => {
  if (r.ok) throw new Error(`clone unexpectedly succeeded: VM ${r.vmid}`);
  return r;
};
const postsFor = (template: number) => h.sim.requests.count('POST', `/nodes/pve1/qemu/${template}/clone`);

describe('successful clones are verified', () => {
  it('full clone (the default): progress with percent and bytes, new disks, lock gone, boot disk verified', async () => {
    const before = h.clonePosts();
    const progress: CloneProgress[] = [];
    const r = ok(
      await h.engine.cloneVmFromTemplate(cloneRequest(112, 'full-clone', 'pve1'), {
        onProgress: (p) => {
          progress.push(p);
        },
      }),
    );
    expect(r).toMatchObject({
      name: 'full-clone',
      node: 'pve1',
      mode: 'full',
      templateVmid: 112,
      bootDisk: 'scsi0',
    });
    expect(h.clonePosts() - before).toBe(1);
    const vm = h.sim.vm(r.vmid);
    expect(vm?.config.scsi0).toMatch(new RegExp(`^local-lvm:vm-${r.vmid}-disk-0`));
    expect(vm?.config.lock).toBeUndefined();
    expect(vm?.config.template).toBeUndefined();
    const phases = progress.map((p) => p.phase);
    expect(phases.slice(0, 3)).toEqual(['verifying-template', 'allocating-vmid', 'starting']);
    expect(phases).toContain('cloning');
    expect(phases.at(-1)).toBe('verifying-clone');
    const copying = progress.find((p) => p.percent !== undefined);
    expect(copying).toMatchObject({ phase: 'cloning', disk: 'scsi0', newVmid: r.vmid });
    expect(copying?.bytesTotal).toBe(32 * 1024 ** 3);
    expect(copying?.message).toMatch(new RegExp(`^VM ${r.vmid} still cloning\\.\\.\\. \\(\\d+s / 900s\\)`));
    expect(progress.some((p) => p.etaMs !== undefined)).toBe(true);
  });

  it('linked clone on request', async () => {
    const r = ok(
      await h.engine.cloneVmFromTemplate(cloneRequest(112, 'linked-clone', 'pve1', { mode: 'linked' })),
    );
    expect(r.mode).toBe('linked');
    expect(h.sim.vm(r.vmid)?.config.scsi0).toMatch(
      new RegExp(`^local-lvm:base-112-disk-0/vm-${r.vmid}-disk-0`),
    );
  });

  it('clone to a target node (template on shared storage) ends on the target, verified there', async () => {
    const r = ok(
      await h.engine.cloneVmFromTemplate(cloneRequest(9100, 'on-pve2', 'pve1', { target: 'pve2' })),
    );
    expect(r.node).toBe('pve2');
    expect(h.sim.vm(r.vmid)?.node).toBe('pve2');
    expect(h.sim.requests.count('GET', `/nodes/pve2/qemu/${r.vmid}/config`)).toBeGreaterThan(0);
  });

  it('a target is refused before any POST when the template uses local storage', async () => {
    const before = h.clonePosts();
    const r = failed(
      await h.engine.cloneVmFromTemplate(cloneRequest(112, 'no-target', 'pve1', { target: 'pve2' })),
    );
    expect(r.diagnosis.summary).toMatch(/local storage.*pve2/);
    expect(h.clonePosts()).toBe(before);
  });

  it('WARNINGS: N counts as success, with the count', async () => {
    h.sim.faults.cloneWarnings(2, { template: 9105 });
    const r = ok(await h.engine.cloneVmFromTemplate(cloneRequest(9105, 'warned', 'pve1')));
    expect(r.warnings).toBe(2);
  });
});

describe('failures are Proxmox’s own, never a timeout', () => {
  it('a clone failing mid-copy reports the task error, the log tail and that Proxmox removed the VM', async () => {
    h.sim.faults.failClone('qemu-img: error while writing at byte 2147483648: No space left on device', {
      template: 112,
      atPercent: 30,
    });
    const start = h.clock.now();
    const r = failed(await h.engine.cloneVmFromTemplate(cloneRequest(112, 'fails-midway', 'pve1')));
    expect(r.diagnosis.reason).toBe('task-failed');
    expect(r.diagnosis.taskExitStatus).toMatch(/^clone failed: .*No space left on device/);
    expect(r.diagnosis.summary).toMatch(/No space left on device/);
    expect(r.diagnosis.taskLogTail?.at(-1)).toMatch(/^TASK ERROR: clone failed/);
    expect(r.diagnosis.newVmConfig).toBe('removed');
    expect(r.diagnosis.templateCheck).toMatch(/boot disk scsi0/);
    expect(r.diagnosis.storage).toMatch(/^local-lvm/);
    expect(r.diagnosis.advice.join(' ')).toMatch(/free space/);
    expect(h.clock.now() - start).toBeLessThan(900_000);
    expect(h.sim.vm(r.vmid as number)).toBeUndefined();
  });

  it('5xx flaps while monitoring cause no false failure and no second clone', async () => {
    const before = postsFor(9105);
    // More flaps in a row than the adapter's GET retries absorb: the engine itself must keep polling.
    const flap = () => {
      h.sim.faults.flap({ method: 'GET', path: '/cluster/tasks', count: 10, status: 503 });
      h.sim.faults.flap({ method: 'GET', path: '/cluster/resources', count: 10, status: 502 });
      h.sim.faults.flap({ method: 'GET', path: /\/tasks\/.*\/(status|log)$/, count: 10, status: 500 });
    };
    const r = ok(
      await h.engine.cloneVmFromTemplate(cloneRequest(9105, 'flappy', 'pve1'), {
        onProgress: (p) => {
          if (p.phase === 'starting') flap();
        },
      }),
    );
    h.sim.faults.clear();
    expect(postsFor(9105) - before).toBe(1);
    // More failed polls in a row than the adapter retries: the engine kept polling through them.
    expect(
      h.sim.requests.filter('GET', '/cluster/tasks').filter((e) => e.status === 503).length,
    ).toBeGreaterThan(4);
    expect(h.sim.vm(r.vmid)?.config.lock).toBeUndefined();
  });

  it('a VMID taken on another node meanwhile (task fails with File exists) is retried with a fresh id', async () => {
    const before = postsFor(9105);
    h.sim.faults.vmidClash('pve3', { template: 9105 });
    const r = ok(await h.engine.cloneVmFromTemplate(cloneRequest(9105, 'clash-retry', 'pve1')));
    expect(postsFor(9105) - before).toBe(2);
    const clashTask = h.sim.tasks().find((t) => t.exitstatus?.includes('File exists'));
    expect(clashTask).toBeDefined();
    expect(h.sim.vm(r.vmid)?.node).toBe('pve1');
    expect(h.sim.vm(r.vmid)?.config.name).toBe('clash-retry');
  });
});

describe('cancel', () => {
  it('before the start: nothing is sent', async () => {
    const before = h.clonePosts();
    const r = failed(
      await h.engine.cloneVmFromTemplate(cloneRequest(112, 'never', 'pve1'), { signal: AbortSignal.abort() }),
    );
    expect(r.diagnosis.reason).toBe('cancelled');
    expect(h.clonePosts()).toBe(before);
  });

  it('while cloning: the task is stopped, Proxmox’s interrupted-by-signal is reported, the VM removed', async () => {
    const ac = new AbortController();
    const r = failed(
      await h.engine.cloneVmFromTemplate(cloneRequest(112, 'cancelled', 'pve1'), {
        signal: ac.signal,
        onProgress: (p) => {
          if (p.phase === 'cloning') ac.abort();
        },
      }),
    );
    expect(r.diagnosis.reason).toBe('cancelled');
    expect(r.diagnosis.taskExitStatus).toMatch(/interrupted by signal/);
    expect(r.diagnosis.newVmConfig).toBe('removed');
    expect(h.sim.requests.count('DELETE', /^\/nodes\/pve1\/tasks\//)).toBe(1);
    expect(h.sim.vm(r.vmid as number)).toBeUndefined();
  });
});

describe('resume from a checkpoint never clones twice', () => {
  /** Runs a clone whose worker "dies" (never returns) once it reaches `step`; returns the saved checkpoints. */
  async function killedAt(step: CloneCheckpoint['step'], name: string): Promise<CloneCheckpoint[]> {
    const saved: CloneCheckpoint[] = [];
    await new Promise<void>((reached) => {
      void h.engine.cloneVmFromTemplate(cloneRequest(9105, name, 'pve1'), {
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

  it('with a saved UPID: follows the same task, no second POST', async () => {
    const before = postsFor(9105);
    const saved = await killedAt('started', 'resumed-upid');
    const cp = saved.at(-1) as CloneCheckpoint;
    expect(cp).toMatchObject({ step: 'started', templateVmid: 9105, templateNode: 'pve1' });
    expect(cp.upid).toMatch(/^UPID:pve1:.*:qmclone:9105:/);
    const r = ok(
      await h.engine.cloneVmFromTemplate(cloneRequest(9105, 'resumed-upid', 'pve1'), { resume: cp }),
    );
    expect(r.upid).toBe(cp.upid);
    expect(r.vmid).toBe(cp.newVmid);
    expect(postsFor(9105) - before).toBe(1);
  });

  it('resumed after its timeout went by (the death outlasted it): the task is looked at before giving up', async () => {
    const saved = await killedAt('started', 'resumed-late');
    const cp = saved.at(-1) as CloneCheckpoint;
    await until('the task to end', () => h.sim.task(cp.upid as string)?.status === 'stopped');
    // An hour since the start, CLONE_TIMEOUT_SECONDS 900: the task ended fine meanwhile.
    const late = { ...cp, startedAt: h.clock.now() - 3_600_000 };
    const r = ok(
      await h.engine.cloneVmFromTemplate(cloneRequest(9105, 'resumed-late', 'pve1'), { resume: late }),
    );
    expect(r.upid).toBe(cp.upid);
  });

  it('allocated but UPID unsaved: finds the running task instead of POSTing again', async () => {
    const before = postsFor(9105);
    const saved = await killedAt('started', 'resumed-lookup');
    const { upid: _lost, ...allocated } = saved.at(-1) as CloneCheckpoint;
    const r = ok(
      await h.engine.cloneVmFromTemplate(cloneRequest(9105, 'resumed-lookup', 'pve1'), {
        resume: { ...allocated, step: 'allocated' },
      }),
    );
    expect(r.vmid).toBe(allocated.newVmid);
    expect(postsFor(9105) - before).toBe(1);
  });

  it('allocated and the POST never sent: clones once, with the allocated VMID', async () => {
    const before = postsFor(9105);
    const saved = await killedAt('allocated', 'resumed-fresh');
    const cp = saved.at(-1) as CloneCheckpoint;
    expect(postsFor(9105)).toBe(before);
    const r = ok(
      await h.engine.cloneVmFromTemplate(cloneRequest(9105, 'resumed-fresh', 'pve1'), { resume: cp }),
    );
    expect(r.vmid).toBe(cp.newVmid);
    expect(postsFor(9105) - before).toBe(1);
  });
});

describe('shared polling', () => {
  it('concurrent clones share one /cluster/tasks and one /cluster/resources read per poll', async () => {
    h.sim.requests.clear();
    const posts0 = h.clonePosts();
    const before = h.engine.watcher.stats();
    const results = await Promise.all([
      h.engine.cloneVmFromTemplate(cloneRequest(112, 'many-1', 'pve1', { mode: 'linked' })),
      h.engine.cloneVmFromTemplate(cloneRequest(9200, 'many-2', 'pve2')),
      h.engine.cloneVmFromTemplate(cloneRequest(9300, 'many-3', 'pve3')),
      h.engine.cloneVmFromTemplate(cloneRequest(9205, 'many-4', 'pve2', { mode: 'linked' })),
    ]);
    for (const r of results) ok(r);
    // Concurrent allocations in one process do not hand out the same VMID: one POST per clone.
    expect(h.clonePosts() - posts0).toBe(4);
    expect(new Set(results.map((r) => ok(r).vmid)).size).toBe(4);
    const stats = h.engine.watcher.stats();
    const polls = stats.polls - before.polls;
    // One /cluster/tasks read per poll, whatever the number of clones it served.
    expect(h.sim.requests.count('GET', '/cluster/tasks')).toBe(polls);
    // Preflights read resources at most once per clone (fewer when they overlap: shared reads); monitoring adds
    // at most one per poll for all of them.
    const vmReads = stats.vmReads - before.vmReads;
    const preflightReads = h.sim.requests.count('GET', '/cluster/resources') - vmReads;
    expect(preflightReads).toBeGreaterThanOrEqual(1);
    expect(preflightReads).toBeLessThanOrEqual(4);
    expect(vmReads).toBeLessThanOrEqual(polls);
    // Polls were shared: they handed out more snapshots than they cost reads.
    expect(stats.snapshots - before.snapshots).toBeGreaterThan(polls);
    // Task status is read directly only for a task not yet listed in /cluster/tasks.
    expect(h.sim.requests.count('GET', /\/tasks\/[^/]+\/status$/)).toBeLessThanOrEqual(8);
  });
});

// What Proxmox says when a privilege is missing (qemu-server clone_vm's permission check and
// `$check_storage_access_clone`), read by the product: a bare 403 is VM.Allocate, the others name the path.
describe('permission refusals, as Proxmox words them', () => {
  it('no VM.Allocate on /vms or the pool: a bare 403, explained as VM.Allocate for this VMID and pool', async () => {
    h.sim.faults.denyPrivilege('/vms', 'VM.Allocate');
    h.sim.faults.denyPrivilege('/pool/dev', 'VM.Allocate');
    try {
      const r = failed(
        await h.engine.cloneVmFromTemplate(cloneRequest(112, 'no-alloc', 'pve1', { pool: 'dev' })),
      );
      expect(r.diagnosis.reason).toBe('permission-denied');
      const vmid = r.vmid as number;
      expect(r.diagnosis.summary).toBe(
        `Proxmox refused to create the new VM: the bot lacks VM.Allocate on /vms/${vmid} and on /pool/dev (Proxmox names no path when neither passes)`,
      );
      // With the privilege on the pool, the same clone passes the check.
      h.sim.faults.clear();
      h.sim.faults.denyPrivilege('/vms', 'VM.Allocate');
      ok(await h.engine.cloneVmFromTemplate(cloneRequest(112, 'alloc-via-pool', 'pve1', { pool: 'dev' })));
    } finally {
      h.sim.faults.clear();
    }
  });

  it('a linked clone needs Datastore.AllocateSpace on the template’s own storage', async () => {
    h.sim.faults.denyPrivilege('/storage/local-lvm', 'Datastore.AllocateSpace');
    try {
      const r = failed(
        await h.engine.cloneVmFromTemplate(cloneRequest(112, 'linked-no-space', 'pve1', { mode: 'linked' })),
      );
      expect(r.diagnosis.summary).toBe(
        "The bot's Proxmox user lacks Datastore.AllocateSpace on /storage/local-lvm",
      );
      expect(r.diagnosis.advice[1]).toContain('always so for a linked clone');
    } finally {
      h.sim.faults.clear();
    }
  });

  it('a pool that does not exist: Proxmox’s 403, explained as the pool', async () => {
    const r = failed(
      await h.engine.cloneVmFromTemplate(cloneRequest(112, 'no-pool', 'pve1', { pool: 'nope' })),
    );
    expect(r.diagnosis.summary).toBe('Pool nope does not exist in this cluster');
  });
});
