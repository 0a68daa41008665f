import { z } from 'zod';
import { loadClonePolicyFile } from './clone-policy-file.ts';
import { int } from './env-values.ts';

/** `pve1=1,pve2=2` → Map node → node id. */
const templateNodeIds = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === '') return undefined;
    const map = new Map<string, number>();
    for (const part of v.split(',')) {
      const m = /^\s*([A-Za-z0-9][A-Za-z0-9.-]*)\s*=\s*(\d+)\s*$/.exec(part);
      const id = m ? Number(m[2]) : Number.NaN;
      if (!m || !Number.isInteger(id) || id < 1 || id > 9_999_990) {
        ctx.addIssue({
          code: 'custom',
          message: `TEMPLATE_NODE_IDS must look like pve1=1,pve2=2 (node=id, ids 1 or more: 9000 + id*100 + base); '${part.trim()}' is not`,
        });
        return z.NEVER;
      }
      if (map.has(m[1] as string)) {
        ctx.addIssue({ code: 'custom', message: `TEMPLATE_NODE_IDS names node '${m[1]}' twice` });
        return z.NEVER;
      }
      map.set(m[1] as string, id);
    }
    return map;
  });

/** Clone timing, concurrency and the node ids of the node-specific template scheme. */
export const cloneSection = z.object({
  CLONE_TIMEOUT_SECONDS: int('CLONE_TIMEOUT_SECONDS', 900, 10, 86_400),
  PROGRESS_INTERVAL_SECONDS: int('PROGRESS_INTERVAL_SECONDS', 30, 1, 3600),
  CLONE_CONCURRENCY_PER_NODE: int('CLONE_CONCURRENCY_PER_NODE', 2, 1, 1000),
  // Several nodes write one shared storage (ceph, NFS) at once: its own limit, counted across the cluster.
  CLONE_CONCURRENCY_PER_SHARED_STORAGE: int('CLONE_CONCURRENCY_PER_SHARED_STORAGE', 4, 1, 1000),
  // A storage lock timeout is temporary (slow disk creation): clone again this many times, pausing 30 s, 60 s, …
  STORAGE_LOCK_RETRIES: int('STORAGE_LOCK_RETRIES', 3, 0, 10),
  STORAGE_LOCK_RETRY_SECONDS: int('STORAGE_LOCK_RETRY_SECONDS', 30, 1, 3600),
  TEMPLATE_NODE_IDS: templateNodeIds,
  // Per-template rules (issue 10 item 4): read and checked here, at start, so a bad file stops the process.
  CLONE_POLICY_FILE: z
    .string()
    .optional()
    .transform((path, ctx) => {
      if (path === undefined || path.trim() === '') return undefined;
      try {
        return loadClonePolicyFile(path.trim());
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
});
