import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ancestorPids, watchAncestors } from '../../src/demo/watch-ancestors.ts';

describe('watchAncestors (the demo stops when the npm/shell that started it is gone)', () => {
  it('lists the parent first, then its ancestors', () => {
    const pids = ancestorPids();
    expect(pids[0]).toBe(process.ppid);
    expect(new Set(pids).size).toBe(pids.length);
    expect(pids.every((p) => p > 1)).toBe(true);
  });

  it('calls back once a watched process exits, and not before', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = child.pid as number;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const calls: number[] = [];
    const gone = new Promise<number>((resolve) =>
      watchAncestors(
        [process.pid, pid],
        (p) => {
          calls.push(p);
          resolve(p);
        },
        10,
      ),
    );
    const early = await Promise.race([gone, new Promise((r) => setTimeout(() => r('still running'), 50))]);
    expect(early).toBe('still running');
    child.kill('SIGKILL');
    await exited;
    expect(await gone).toBe(pid);
    expect(calls).toEqual([pid]);
  });
});
