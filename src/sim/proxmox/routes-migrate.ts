import { checkMigrateRequest } from './check-migrate-request.ts';
import type { Route } from './route.ts';
import { runMigrateWorker } from './run-migrate-worker.ts';
import { createTask } from './sim-tasks.ts';

/** POST /nodes/{node}/qemu/{vmid}/migrate: qemu-server `migrate_vm`'s checks, then a `qmigrate` task on the source node. */
export const migrateRoutes: Route[] = [
  {
    method: 'POST',
    pattern: '/nodes/{node}/qemu/{vmid}/migrate',
    handle: (ctx, { path, params, principal }) => {
      const plan = checkMigrateRequest(
        ctx.state,
        ctx.faults,
        { ...params, node: path.node ?? '', vmid: path.vmid ?? '' },
        principal.user,
      );
      const task = createTask(ctx.state, plan.node, 'qmigrate', String(plan.vmid), principal);
      // `online` on a stopped VM: Qemu.pm warns (on the API's stderr, not in the task log) and migrates offline.
      runMigrateWorker(ctx, task, plan, ctx.faults.takeMigrateFault(plan.vmid)).catch((err: unknown) => {
        ctx.logger?.error({ err, upid: task.upid }, 'simulated migrate worker crashed');
      });
      return { data: task.upid };
    },
  },
];
