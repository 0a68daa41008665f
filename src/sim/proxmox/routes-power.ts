import { paramError } from './api-error.ts';
import { checkVmPrivilege, localVm } from './local-vm.ts';
import type { Route, RouteRequest, SimContext } from './route.ts';
import type { SimTask } from './sim-state.ts';
import { createTask, endTask } from './sim-tasks.ts';
import { validateParams } from './validate-params.ts';

/** Runs a task's body; an error ends it with `TASK ERROR: <message>` (a `die` in the forked worker). */
function runTask(ctx: SimContext, task: SimTask, body: () => Promise<void>): void {
  body().then(
    () => endTask(ctx.state, task, 'OK'),
    (err: unknown) => {
      if (!ctx.closing.aborted) endTask(ctx.state, task, String((err as Error).message).replace(/\n$/, ''));
    },
  );
}

function rootOnly(r: RouteRequest, p: Record<string, unknown>): void {
  if (p.skiplock === true && r.principal.user !== 'root@pam')
    throw paramError({ skiplock: 'Only root may use this option.' });
}

/**
 * POST …/status/stop (PVE/API2/Qemu.pm vm_stop → PVE::QemuServer::_do_vm_stop): a UPID at once; inside the
 * `qmstop` task a stopped VM is a no-op `TASK OK`, a running locked one is refused (check_lock). The start
 * route (`qmstart`) is in routes-template.ts.
 */
export const powerRoutes: Route[] = [
  {
    method: 'POST',
    pattern: '/nodes/{node}/qemu/{vmid}/status/stop',
    handle: (ctx, r) => {
      const p = validateParams(r.params, {
        skiplock: { type: 'boolean', optional: true },
        timeout: { type: 'integer', optional: true, minimum: 0 },
        keepActive: { type: 'boolean', optional: true },
        'overrule-shutdown': { type: 'boolean', optional: true },
      });
      rootOnly(r, p);
      const vm = localVm(ctx, r.path.node as string, r.path.vmid as string);
      checkVmPrivilege(ctx, vm, 'VM.PowerMgmt');
      const task = createTask(ctx.state, vm.node, 'qmstop', String(vm.vmid), r.principal);
      runTask(ctx, task, async () => {
        await ctx.clock.sleep(100, ctx.closing);
        if (vm.status !== 'running') return;
        const conf = localVm(ctx, vm.node, String(vm.vmid)).config;
        if (conf.lock !== undefined && p.skiplock !== true) throw new Error(`VM is locked (${conf.lock})`);
        await ctx.clock.sleep(500, ctx.closing);
        vm.status = 'stopped';
        delete vm.startedAt;
        ctx.state.vmChanged(vm.vmid);
      });
      return { data: task.upid };
    },
  },
];
