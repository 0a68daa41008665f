/**
 * How long a SIGTERM waits for running clones before the process exits. Long enough that a clone in its last
 * step (the lock clearing, the disk check, the result reply) usually ends on the worker that ran it; not
 * longer, because a clone still running after it loses nothing: its job lock expires and another worker
 * resumes it from its checkpoint, monitoring the same Proxmox task, within about a minute anyway.
 */
export const SHUTDOWN_DRAIN_MS = 50_000;

/**
 * The stop grace the deployment must give (docker-compose.yml `stop_grace_period`, docs/operations.md): the
 * drain plus 10 s to stop the Slack app and quit Redis before the container runtime sends SIGKILL.
 */
export const STOP_GRACE_SECONDS = 60;
