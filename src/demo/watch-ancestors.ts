import { readFileSync } from 'node:fs';

function parentOf(pid: number): number | undefined {
  try {
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
  } catch {
    return undefined; // no /proc (macOS) or the process is gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The ids of this process's parent and its ancestors, nearest first, up to `depth` and short of init (1).
 * Only the parent where /proc is missing.
 */
export function ancestorPids(depth = 3): number[] {
  const pids: number[] = [];
  let pid: number | undefined = process.ppid;
  while (pid !== undefined && pid > 1 && pids.length < depth) {
    pids.push(pid);
    pid = parentOf(pid);
  }
  return pids;
}

/**
 * Calls `onGone` once when any of `pids` exits. Why: `npm run demo` runs `sh -c tsx …`, and killing npm
 * kills the shell but leaves tsx and the demo running; watching the ancestors lets the demo stop with them.
 * Returns a function that stops watching; the timer never keeps the process alive.
 */
export function watchAncestors(pids: readonly number[], onGone: (pid: number) => void, everyMs = 1000) {
  const timer = setInterval(() => {
    const gone = pids.find((pid) => !alive(pid));
    if (gone === undefined) return;
    clearInterval(timer);
    onGone(gone);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
