/**
 * A write refused because the job lock it was fenced to is no longer this worker's: the worker was paused
 * (GC, SIGSTOP, a network stall) past its lock, and another worker has taken the job over. Whoever meets it
 * must stop acting on the job at once: no Proxmox call, no Slack message, no further write.
 */
export class FencedOutError extends Error {
  override readonly name = 'FencedOutError';
  constructor(
    readonly requestId: string,
    readonly fenceKey: string,
  ) {
    super(`request ${requestId}: this worker no longer holds the job (${fenceKey} is another worker's)`);
  }
}
