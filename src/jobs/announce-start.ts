import type { Logger } from '../logger.ts';
import type { CloneRequestRecord, RequestStore } from '../requests/types.ts';
import type { CloneNotifier } from './types.ts';

/**
 * Posts the progress reply at most once per request, even across worker deaths. Slack has no idempotent
 * post, so a marker is saved first: a resumed job that finds it without `startNotified` knows the earlier
 * worker died around the post. It then adopts the reply the notifier can find (`findStarted`) or goes on
 * without one, rather than post a second: a duplicate would leave two "cloning" replies, one frozen forever,
 * while a missing one only loses the progress display (the result is still posted at the end).
 */
export async function announceStart(
  store: RequestStore,
  notifier: CloneNotifier,
  record: CloneRequestRecord,
  logger: Logger,
): Promise<CloneRequestRecord> {
  if (record.startNotified) return record;
  const id = record.id;
  if (record.startPosting) {
    const found = await notifier.findStarted?.(record).catch((err: unknown) => {
      logger.warn({ err, requestId: id }, 'could not look for the progress reply of the earlier run');
      return undefined;
    });
    const progressTs = found?.progressTs;
    logger.warn(
      { requestId: id, found: progressTs !== undefined },
      'a worker died while posting the progress reply: not posting another',
    );
    const patch = { startNotified: true, ...(progressTs !== undefined ? { progressTs } : {}) };
    return (await store.update(id, patch)) ?? record;
  }
  const marked = (await store.update(id, { startPosting: true })) ?? record;
  const { progressTs } = await notifier.started(marked);
  const patch = { startNotified: true, ...(progressTs !== undefined ? { progressTs } : {}) };
  return (await store.update(id, patch)) ?? marked;
}
