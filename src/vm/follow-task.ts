import type { Clock } from '../clock.ts';
import type { ProxmoxClient, TaskStatus } from '../proxmox/types.ts';

/** How a followed task ended: its exit status, or `timeout` when it was still running at the deadline. */
export type TaskEnd = { ended: true; exitstatus: string; ok: boolean } | { ended: false; reason: 'timeout' };

/** `OK` or `WARNINGS: N`: the task did what it was asked. */
export const taskSucceeded = (exit: string | undefined) =>
  exit === 'OK' || /^WARNINGS: \d+$/.test(exit ?? '');

/**
 * Polls a task (qmstart, qmstop, qmdestroy) on the node its UPID names until it stops or `timeoutMs` passes.
 * Only the task's exit status says how it went: Proxmox runs every check (lock, running) inside the task.
 */
export async function followTask(
  proxmox: Pick<ProxmoxClient, 'getTaskStatus'>,
  clock: Clock,
  upid: string,
  options: { timeoutMs: number; pollMs?: number; signal?: AbortSignal },
): Promise<TaskEnd> {
  const deadline = clock.now() + options.timeoutMs;
  const pollMs = options.pollMs ?? 1000;
  for (;;) {
    const status: TaskStatus = await proxmox.getTaskStatus(upid);
    if (status.status === 'stopped') {
      const exitstatus = status.exitstatus ?? 'unknown';
      return { ended: true, exitstatus, ok: taskSucceeded(exitstatus) };
    }
    if (clock.now() >= deadline) return { ended: false, reason: 'timeout' };
    await clock.sleep(pollMs, options.signal);
  }
}
