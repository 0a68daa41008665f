import type { CloneResult } from '../core/types.ts';
import type { CloneRequestRecord, RequestStatus, RequestStore } from '../requests/types.ts';

/** The status a clone's result leaves its request in: what happened on Proxmox. */
export function resultStatus(result: CloneResult): RequestStatus {
  if (result.ok) return 'done';
  return result.diagnosis.reason === 'cancelled' ? 'cancelled' : 'failed';
}

/**
 * Saves a clone's result with the status it proves. A cancel that came too late (the clone ended anyway:
 * the stop message was lost, or it arrived as the task finished) turns the request from cancelled to done or
 * failed, keeping `cancelledBy`, so a VM that exists is never recorded as cancelled. Undefined when the
 * record is gone.
 */
export async function saveCloneResult(
  store: RequestStore,
  id: string,
  result: CloneResult,
): Promise<CloneRequestRecord | undefined> {
  const to = resultStatus(result);
  const from: RequestStatus[] = to === 'cancelled' ? ['cloning'] : ['cloning', 'cancelled'];
  const saved = await store.transition(id, from, to, { result }, 'worker');
  if (saved.ok) return saved.record;
  return store.update(id, { result });
}
