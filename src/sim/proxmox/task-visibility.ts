import type { SimContext } from './route.ts';
import type { Principal } from './sim-auth.ts';
import type { SimTask } from './sim-state.ts';

/** Who the API says a request acts as: the token id `user@realm!name` for a token (pve-manager HTTPServer.pm). */
export function authUser(who: Pick<Principal, 'user' | 'tokenid'>): string {
  return who.tokenid === undefined ? who.user : `${who.user}!${who.tokenid}`;
}

/**
 * pve-manager PVE/API2/Tasks.pm `$check_task_user`: a token sees its own tasks only, a user sees its own
 * and its tokens' tasks. This is what /nodes/{node}/tasks and a task's status and log allow without Sys.Audit.
 */
export function ownsTask(task: SimTask, who: Principal): boolean {
  const me = authUser(who);
  if (task.tokenid !== undefined) return me === `${task.user}!${task.tokenid}` || me === task.user;
  return me === task.user;
}

/**
 * GET /cluster/tasks (pve-manager PVE/API2/Cluster.pm `tasks`): each node's broadcast list, which pve-common
 * RESTEnvironment `active_workers` cuts to the running tasks plus the newest finished ones up to
 * `$MAX_FINISHED = 25` in all. Without Sys.Audit on `/` only tasks whose (token-split) user *equals* the
 * caller are kept, so a token, whose caller is `user@realm!name`, sees none of its own.
 */
export function clusterTaskList(ctx: SimContext, who: Principal): SimTask[] {
  const all = !ctx.faults.isDenied('/', 'Sys.Audit');
  const me = authUser(who);
  const out: SimTask[] = [];
  for (const node of ctx.state.nodes.keys()) {
    const mine = [...ctx.state.tasks.values()].filter((t) => t.node === node);
    const running = mine.filter((t) => t.status === 'running').reverse();
    const finished = mine
      .filter((t) => t.status !== 'running')
      .sort((a, b) => b.starttime - a.starttime)
      .slice(0, Math.max(0, MAX_FINISHED - running.length));
    for (const t of [...running, ...finished]) if (all || t.user === me) out.push(t);
  }
  return out;
}

const MAX_FINISHED = 25;
