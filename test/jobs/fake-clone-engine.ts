import type { CloneEngine, CloneRunOptions } from '../../src/clone/types.ts';
import type { CloneRequest, CloneResult } from '../../src/core/types.ts';

/** One clone task on the fake cluster; the test decides when it ends. */
interface FakeTask {
  upid: string;
  node: string;
  newVmid: number;
  state: 'running' | 'ok' | 'stopped';
  end: (state: 'ok' | 'stopped') => void;
  ended: Promise<'ok' | 'stopped'>;
  /** Emits a progress tick to the run following this task, as the real engine does every interval. */
  tick?: () => Promise<void>;
}

/**
 * A stand-in cluster for worker tests that do not claim to test the engine: it records every clone "POST",
 * keeps tasks running until the test ends them, honours resume (no POST) and the abort signal (stops the
 * task), like the real engine's contract in src/clone/types.ts.
 */
export class FakeCluster {
  readonly posts: { node: string; name: string }[] = [];
  readonly tasks = new Map<string, FakeTask>();
  private nextVmid = 200;
  /** Calls of cloneVmFromTemplate, across all engines. */
  runs = 0;
  maxRunning = new Map<string, number>();

  running(node?: string): FakeTask[] {
    return [...this.tasks.values()].filter(
      (t) => t.state === 'running' && (node === undefined || t.node === node),
    );
  }

  finish(upid: string): void {
    this.tasks.get(upid)?.end('ok');
  }

  /** A progress tick from the engine following `upid` (the copy goes on). */
  async tick(upid: string): Promise<void> {
    await this.tasks.get(upid)?.tick?.();
  }

  /** An engine on this cluster; `freeze()` makes it stop doing anything, like a process that died. */
  engine(): CloneEngine & { freeze(): void } {
    let frozen = false;
    const never = new Promise<never>(() => {});
    const run = async (request: CloneRequest, o: CloneRunOptions = {}): Promise<CloneResult> => {
      const started = Date.now();
      const fail = (upid?: string): CloneResult => ({
        ok: false,
        diagnosis: { reason: 'cancelled', summary: 'Clone cancelled', advice: [] },
        durationMs: Date.now() - started,
        ...(upid !== undefined ? { upid } : {}),
      });
      let task = o.resume?.upid !== undefined ? this.tasks.get(o.resume.upid) : undefined;
      if (!task) {
        if (o.signal?.aborted) return fail();
        task = this.startTask(request);
        await o.onCheckpoint?.({
          step: 'started',
          newVmid: task.newVmid,
          upid: task.upid,
          templateVmid: 112,
        });
      }
      const t = task;
      t.tick = async () => {
        if (frozen) return;
        await o.onProgress?.({
          phase: 'cloning',
          elapsedMs: Date.now() - started,
          timeoutMs: 900_000,
          upid: t.upid,
          message: 'cloning',
        });
      };
      await t.tick();
      const onAbort = () => t.end('stopped');
      if (o.signal?.aborted) onAbort();
      o.signal?.addEventListener('abort', onAbort, { once: true });
      const state = await t.ended;
      if (frozen) return never;
      if (state === 'stopped') return fail(t.upid);
      await o.onCheckpoint?.({ step: 'completed', newVmid: t.newVmid, upid: t.upid });
      return {
        ok: true,
        vmid: t.newVmid,
        name: request.name,
        node: request.node,
        mode: request.mode,
        templateVmid: 112,
        bootDisk: 'scsi0',
        durationMs: Date.now() - started,
        upid: t.upid,
      };
    };
    return {
      freeze: () => {
        frozen = true;
      },
      preflight: async () => ({ ok: true, template: { vmid: 112, node: 'pve1', bootDisk: 'scsi0' } }),
      cloneVmFromTemplate: (request, options) => {
        this.runs += 1;
        return frozen ? never : run(request, options);
      },
      listTemplates: async () => [],
      resolveTemplate: async () => ({ vmid: 112, node: 'pve1', bootDisk: 'scsi0' }),
    };
  }

  private startTask(request: CloneRequest): FakeTask {
    this.posts.push({ node: request.node, name: request.name });
    const newVmid = this.nextVmid++;
    const upid = `UPID:${request.node}:0000${newVmid}:qmclone:112:root@pam:`;
    let end: (s: 'ok' | 'stopped') => void = () => {};
    const ended = new Promise<'ok' | 'stopped'>((resolve) => {
      end = resolve;
    });
    const task: FakeTask = { upid, node: request.node, newVmid, state: 'running', ended, end: () => {} };
    task.end = (s) => {
      if (task.state !== 'running') return;
      task.state = s;
      end(s);
    };
    this.tasks.set(upid, task);
    const n = this.running(request.node).length;
    this.maxRunning.set(request.node, Math.max(n, this.maxRunning.get(request.node) ?? 0));
    return task;
  }
}
