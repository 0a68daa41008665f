import { z } from 'zod';
import { int } from './env-values.ts';

/**
 * WORKER_CONCURRENCY: clone jobs one worker process follows at once. A clone job is a wait on Proxmox, not
 * CPU work (one shared poll serves them all), so the default is high; the per-node limit
 * (CLONE_CONCURRENCY_PER_NODE) is what protects the cluster, across every worker.
 */
export const workerSection = z.object({
  WORKER_CONCURRENCY: int('WORKER_CONCURRENCY', 200, 1, 5000),
});
