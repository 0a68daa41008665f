import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { ProxmoxClient } from '../proxmox/types.ts';

/** How a followed task ended: its exit status, or no end seen within the timeout. */
export type TaskEnd =
  | { kind: 'ended'; exitstatus: string; logTail: string[] }
  | { kind: 'timeout'; lastError?: string };

/** What followTask needs. */
export interface FollowTaskDeps {
  proxmox: ProxmoxClient;
  clock: Clock;
  logger: Logger;
}

/**
 * Polls a task (on the node in its UPID) until it stops and returns its exit status and last log lines.
 * Read errors are tolerated until the timeout; a timeout never stops the task. On `signal` the task is
 * stopped once and followed on to its real end (Proxmox cleans up before it ends).
 */
export async function followTask(
  deps: FollowTaskDeps,
  upid: string,
  options: { timeoutMs: number; pollMs: number; signal?: AbortSignal },
): Promise<TaskEnd> {
  const deadline = deps.clock.now() + options.timeoutMs;
  let stopSent = false;
  let lastError: string | undefined;
  for (;;) {
    if (options.signal?.aborted && !stopSent) {
      stopSent = true;
      await deps.proxmox.stopTask(upid).catch((err: unknown) => {
        deps.logger.warn({ upid, err: String(err) }, 'could not stop the repair task');
      });
    }
    try {
      const s = await deps.proxmox.getTaskStatus(upid);
      if (s.status === 'stopped') {
        const exitstatus = s.exitstatus ?? 'unexpected status';
        let logTail: string[] = [];
        try {
          logTail = (await deps.proxmox.getTaskLog(upid, 0, 0)).lines.map((l) => l.t).slice(-6);
        } catch {
          // The exit status decides; the log is only evidence.
        }
        return { kind: 'ended', exitstatus, logTail };
      }
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (deps.clock.now() >= deadline)
      return lastError === undefined ? { kind: 'timeout' } : { kind: 'timeout', lastError };
    await deps.clock.sleep(options.pollMs);
  }
}

/** `OK` and `WARNINGS: N` are successes (a task with warnings did its work). */
export const taskSucceeded = (exitstatus: string) =>
  exitstatus === 'OK' || /^WARNINGS: \d+$/.test(exitstatus);
