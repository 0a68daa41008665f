import { paramError } from './api-error.ts';
import type { Route, SimContext } from './route.ts';
import type { SimTask } from './sim-state.ts';
import { endTask, readTaskLog, taskListJson, taskStatusJson } from './sim-tasks.ts';

const UPID_RE =
  /^UPID:[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:[^:\s]+:[^:\s]*:[^:\s]+:$/;

/** The task, if it exists on this node: a UPID of another node is `no such task`, as in Proxmox. */
function findTask(ctx: SimContext, node: string, upid: string): SimTask {
  if (!UPID_RE.test(upid)) throw paramError({ upid: 'unable to parse worker upid' });
  const task = ctx.state.tasks.get(upid);
  if (!task || task.node !== node) throw paramError({ upid: 'no such task' });
  return task;
}

function intParam(params: Record<string, string>, name: string, fallback: number): number {
  const raw = params[name];
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw paramError({ [name]: `type check ('integer') failed - got '${raw}'` });
  return Number(raw);
}

/** /nodes/{node}/tasks, …/{upid}/status, …/{upid}/log, DELETE …/{upid}. */
export const taskRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/nodes/{node}/tasks',
    handle: (ctx, { path, params }) => {
      const source = params.source ?? 'archive';
      const start = intParam(params, 'start', 0);
      const limit = intParam(params, 'limit', 50);
      const all = [...ctx.state.tasks.values()].reverse().filter((t) => {
        if (t.node !== path.node) return false;
        if (source === 'archive' && t.status === 'running') return false;
        if (source === 'active' && t.status !== 'running') return false;
        if (params.vmid !== undefined && t.id !== params.vmid) return false;
        if (params.typefilter !== undefined && t.type !== params.typefilter) return false;
        return true;
      });
      return { data: all.slice(start, start + limit).map(taskListJson), extra: { total: all.length } };
    },
  },
  {
    method: 'GET',
    pattern: '/nodes/{node}/tasks/{upid}/status',
    handle: (ctx, { path }) => ({
      data: taskStatusJson(findTask(ctx, path.node as string, path.upid as string)),
    }),
  },
  {
    method: 'GET',
    pattern: '/nodes/{node}/tasks/{upid}/log',
    handle: (ctx, { path, params }) => {
      const upid = path.upid as string;
      if (!UPID_RE.test(upid)) throw paramError({ upid: 'unable to parse worker upid' });
      const task = ctx.state.tasks.get(upid);
      // pve-manager read_task_log does not check that the task exists: pve-common `dump_logfile` answers a
      // missing file (an unknown UPID, or one of another node) with one line, `unable to open file - $!`.
      if (!task || task.node !== path.node)
        return {
          data: [{ n: 1, t: 'unable to open file - No such file or directory' }],
          extra: { total: 1 },
        };
      const { lines, total } = readTaskLog(task, intParam(params, 'start', 0), intParam(params, 'limit', 50));
      return { data: lines, extra: { total } };
    },
  },
  {
    method: 'DELETE',
    pattern: '/nodes/{node}/tasks/{upid}',
    // pve-manager `PVE::API2::Tasks` stop_task → pve-common `PVE::RESTEnvironment::check_worker($upid, 1)` →
    // `$kill_process_group`: SIGTERM to the worker's process group, up to 5 s (checked each second) for it to
    // exit, then SIGKILL. The answer comes only after that: a DELETE blocks up to 5 s.
    handle: async (ctx, { path }) => {
      const task = findTask(ctx, path.node as string, path.upid as string);
      if (task.status !== 'running') return { data: null };
      task.abort.abort(new Error('interrupted by signal'));
      for (let i = 0; i < 5; i++) {
        // The worker's handlers run on the next turns; Proxmox checks at once, then after each second.
        await new Promise((resolve) => setImmediate(resolve));
        if (task.status !== 'running') return { data: null };
        await ctx.clock.sleep(1000, ctx.closing).catch(() => {});
        if (ctx.closing.aborted || task.status !== 'running') return { data: null };
      }
      task.kill.abort('kill');
      // A killed process writes no last line: upid_read_status finds no `TASK …` and says `unexpected status`.
      endTask(ctx.state, task, 'unexpected status', false);
      return { data: null };
    },
  },
];
