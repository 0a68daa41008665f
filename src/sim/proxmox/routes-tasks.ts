import { paramError } from './api-error.ts';
import type { Route, RouteResult, SimContext } from './route.ts';
import type { Principal } from './sim-auth.ts';
import type { SimTask } from './sim-state.ts';
import { endTask, readTaskLog, taskListJson, taskStatusJson } from './sim-tasks.ts';
import { authUser, ownsTask } from './task-visibility.ts';
import { validateParams } from './validate-params.ts';

const UPID_RE =
  /^UPID:[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:[^:\s]+:[^:\s]*:[^:\s]+:$/;

/** The task, if it exists on this node: a UPID of another node is `no such task`, as in Proxmox. */
function findTask(ctx: SimContext, node: string, upid: string): SimTask {
  if (!UPID_RE.test(upid)) throw paramError({ upid: 'unable to parse worker upid' });
  const task = ctx.state.tasks.get(upid);
  if (!task || task.node !== node) throw paramError({ upid: 'no such task' });
  return task;
}

/** pve-common PVE/UPID.pm normalize_status_type, for `errors` and `statusfilter`. */
function statusType(status: string | undefined): string {
  if (!status || status === 'unexpected status') return 'unknown';
  if (status === 'OK') return 'ok';
  if (/^WARNINGS: \d+$/.test(status)) return 'warning';
  return 'error';
}

/**
 * GET /nodes/{node}/tasks (pve-manager PVE/API2/Tasks.pm node_tasks). `source=active|all` lists the running
 * tasks first, as the active-workers file holds them: `status: "RUNNING"` and the user with its token not split
 * off; then the archive (`/var/log/pve/tasks/index`, read backwards: the last to end first), `user` and
 * `tokenid` split, `endtime` and the exit status. Without Sys.Audit on /nodes/{node} only the caller's own
 * tasks ($check_task_user). `total` counts every match (and is left out when 0, as every `total` is).
 */
function nodeTaskList(
  ctx: SimContext,
  node: string,
  params: Record<string, string>,
  who: Principal,
): RouteResult {
  const p = validateParams(params, {
    start: { type: 'integer', optional: true, minimum: 0 },
    limit: { type: 'integer', optional: true, minimum: 0 },
    userfilter: { type: 'string', optional: true },
    typefilter: { type: 'string', optional: true },
    vmid: { type: 'integer', optional: true, format: 'pve-vmid', minimum: 100, maximum: 999_999_999 },
    errors: { type: 'boolean', optional: true },
    source: { type: 'string', optional: true, enum: ['archive', 'active', 'all'] },
    since: { type: 'integer', optional: true },
    until: { type: 'integer', optional: true },
    statusfilter: { type: 'string', optional: true },
  });
  const source = (p.source as string | undefined) ?? 'archive';
  const start = (p.start as number | undefined) ?? 0;
  let limit = (p.limit as number | undefined) ?? 50;
  const auditor = !ctx.faults.isDenied(`/nodes/${node}`, 'Sys.Audit');
  const wanted = new Set(['ok', 'warning', 'error', 'unknown']);
  if (p.statusfilter !== undefined && p.errors !== true) {
    wanted.clear();
    for (const f of String(p.statusfilter)
      .split(/[,; ]+/)
      .filter(Boolean))
      wanted.add(f.toLowerCase());
  } else if (p.errors === true) wanted.delete('ok');
  let count = 0;
  const out: Record<string, unknown>[] = [];
  // Tasks.pm $filter_task, in its order: `count` counts every match, even past `limit`.
  const take = (t: SimTask, row: Record<string, unknown>, user: string) => {
    if (p.userfilter !== undefined && !user.toLowerCase().includes(String(p.userfilter).toLowerCase()))
      return;
    if (!auditor && !ownsTask(t, who)) return;
    if (p.typefilter !== undefined && t.type !== p.typefilter) return;
    if (p.vmid !== undefined && t.id !== String(p.vmid)) return;
    if (p.since !== undefined && t.starttime < (p.since as number)) return;
    if (p.until !== undefined && t.starttime > (p.until as number)) return;
    if (!wanted.has(statusType(t.status === 'running' ? undefined : t.exitstatus))) return;
    if (count++ < start || limit <= 0) return;
    out.push(row);
    limit--;
  };
  const onNode = [...ctx.state.tasks.values()].filter((t) => t.node === node);
  if (source !== 'archive')
    for (const t of onNode.filter((x) => x.status === 'running')) {
      // The active file's entries are not run through $convert_token_task: the token stays in `user`.
      const { tokenid: _split, ...row } = taskListJson(t);
      const user = authUser(t);
      take(t, { ...row, user, status: 'RUNNING' }, user);
    }
  if (source !== 'active') {
    const archived = onNode
      .filter((t) => t.status !== 'running')
      .sort((a, b) => (b.endtime ?? 0) - (a.endtime ?? 0));
    for (const t of archived) take(t, taskListJson(t), t.user);
  }
  return { data: out, extra: { total: count } };
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
    handle: (ctx, { path, params, principal }) => nodeTaskList(ctx, path.node as string, params, principal),
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
      // missing file (an unknown UPID, or one of another node) with one line, `unable to open file - $!`:
      // a bare object up to libpve-common-perl 9.0.5 (PVE 8.4), an array since 9.0.6 (commit 51e320a).
      if (!task || task.node !== path.node) {
        const line = { n: 1, t: 'unable to open file - No such file or directory' };
        return { data: ctx.pveVersion === '8.4' ? line : [line], extra: { total: 1 } };
      }
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
