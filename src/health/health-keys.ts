import { DEFAULT_PREFIX } from '../requests/request-keys.ts';

/** BullMQ queue name of the health jobs (scheduled report and change alerts). */
export const HEALTH_QUEUE_NAME = 'health';

/** Redis key names of the health check's memory, under the shared prefix (default `clonebot:`). */
export function healthKeys(prefix: string = DEFAULT_PREFIX) {
  return {
    /** Hash `node/vmid/lock` → ms when that lock was first seen. */
    lockSince: `${prefix}health:lock-since`,
    /** Hash node → JSON list of its template VMIDs when it was last online. */
    knownTemplates: `${prefix}health:known-templates`,
    /** JSON of the last change-alert check's problem ids per template (see recordHealthState). */
    lastState: `${prefix}health:last-state`,
  };
}
