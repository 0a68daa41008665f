import { randomInt } from 'node:crypto';
import type { Principal } from './sim-auth.ts';
import type { SimState, SimTask } from './sim-state.ts';

const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');

/** `UPID:pve1:0001A2B3:00C4D5E6:66F1A2B3:qmclone:9000:clonebot@pve!slack:` (upper-case hex, trailing colon). */
export function formatUpid(
  t: Pick<SimTask, 'node' | 'pid' | 'pstart' | 'starttime' | 'type' | 'id' | 'user' | 'tokenid'>,
): string {
  const user = t.tokenid === undefined ? t.user : `${t.user}!${t.tokenid}`;
  return `UPID:${t.node}:${hex(t.pid)}:${hex(t.pstart)}:${hex(t.starttime)}:${t.type}:${t.id}:${user}:`;
}

/** Starts a task record on `node` (the worker itself is run by the caller). */
export function createTask(state: SimState, node: string, type: string, id: string, who: Principal): SimTask {
  const starttime = state.nowSeconds();
  const task: SimTask = {
    upid: '',
    node,
    pid: randomInt(1000, 0x3fffff),
    // jiffies since the node booted (100 Hz), the node having booted about a day before the simulator
    pstart: 8_640_000 + (starttime % 10_000_000) * 100 + randomInt(0, 100),
    starttime,
    type,
    id,
    user: who.user,
    status: 'running',
    log: [],
    abort: new AbortController(),
    kill: new AbortController(),
  };
  if (who.tokenid !== undefined) task.tokenid = who.tokenid;
  task.upid = formatUpid(task);
  state.tasks.set(task.upid, task);
  return task;
}

/** Ends a task: `OK` → `TASK OK`, `WARNINGS: N` → `TASK WARNINGS: N`, anything else → `TASK ERROR: …`. */
export function endTask(state: SimState, task: SimTask, exitstatus: string, writeFinalLine = true): void {
  if (task.status === 'stopped') return;
  if (writeFinalLine) {
    if (exitstatus === 'OK') task.log.push('TASK OK');
    else if (exitstatus.startsWith('WARNINGS: ')) task.log.push(`TASK ${exitstatus}`);
    else task.log.push(`TASK ERROR: ${exitstatus}`);
  }
  task.status = 'stopped';
  task.exitstatus = exitstatus;
  task.endtime = state.nowSeconds();
}

/** The fields every task answer shares: the UPID's parts, and the token split off the user as PVE does. */
function taskIdentityJson(task: SimTask): Record<string, unknown> {
  const json: Record<string, unknown> = {
    upid: task.upid,
    node: task.node,
    pid: task.pid,
    pstart: task.pstart,
    starttime: task.starttime,
    type: task.type,
    id: task.id,
    user: task.user,
  };
  if (task.tokenid !== undefined) json.tokenid = task.tokenid;
  return json;
}

/** GET …/tasks/{upid}/status payload. */
export function taskStatusJson(task: SimTask): Record<string, unknown> {
  const json = { ...taskIdentityJson(task), status: task.status };
  return task.exitstatus === undefined ? json : { ...json, exitstatus: task.exitstatus };
}

/** One /cluster/tasks (or /nodes/{node}/tasks) entry: `status` is the exit status once ended. */
export function taskListJson(task: SimTask): Record<string, unknown> {
  const json = taskIdentityJson(task);
  if (task.endtime !== undefined) json.endtime = task.endtime;
  if (task.exitstatus !== undefined) json.status = task.exitstatus;
  return json;
}

/**
 * Task log lines as PVE::Tools::dump_logfile returns them: `start` lines skipped, at most `limit`
 * (0 = all), `n` 1-based, `total` = all lines; an empty log reads `[{n:1,t:"no content"}]`.
 */
export function readTaskLog(
  task: SimTask,
  start: number,
  limit: number,
): { lines: { n: number; t: string }[]; total: number } {
  if (task.log.length === 0) return { lines: [{ n: 1, t: 'no content' }], total: 1 };
  const end = limit === 0 ? task.log.length : start + limit;
  const lines = task.log.slice(start, end).map((t, i) => ({ n: start + i + 1, t }));
  return { lines, total: task.log.length };
}
