import { checkCloneRequest } from './check-clone-request.ts';
import { HANDLED, type Route } from './route.ts';
import { runCloneWorker } from './run-clone-worker.ts';
import { createTask } from './sim-tasks.ts';

/** POST /nodes/{node}/qemu/{vmid}/clone: synchronous checks, then a `qmclone` task on the source node. */
export const cloneRoutes: Route[] = [
  {
    method: 'POST',
    pattern: '/nodes/{node}/qemu/{vmid}/clone',
    handle: (ctx, { path, params, principal, res }) => {
      const plan = checkCloneRequest(ctx.state, ctx.faults, {
        ...params,
        node: path.node ?? '',
        vmid: path.vmid ?? '',
      });
      const faults = ctx.faults.takeCloneFaults(plan.vmid, plan.node);
      const task = createTask(ctx.state, plan.node, 'qmclone', String(plan.vmid), principal);
      for (const f of faults) {
        if (f.kind === 'vmid-clash')
          ctx.state.addVm({
            vmid: plan.newid,
            node: f.node,
            config: { name: `raced-${plan.newid}`, memory: '1024' },
          });
      }
      runCloneWorker(ctx, task, plan, faults).catch((err: unknown) => {
        ctx.logger?.error({ err, upid: task.upid }, 'simulated clone worker crashed');
      });
      if (faults.some((f) => f.kind === 'lose-response')) {
        // The clone has started; the client never hears about it.
        res.socket?.destroy();
        return HANDLED;
      }
      return { data: task.upid };
    },
  },
];
