import type { CloneNotifier } from '../jobs/types.ts';
import type { Metrics } from '../metrics.ts';

/**
 * The worker's notifier: the delivery outbox's, counting each clone's result in `metrics` once it is handed
 * over. Every optional method is passed through too: without findStarted a resumed job never adopts the
 * progress reply a dead worker posted (issue 9).
 */
export function productionNotifier(
  inner: CloneNotifier,
  metrics: Pick<Metrics, 'recordClone'>,
): CloneNotifier {
  return {
    started: (r) => inner.started(r),
    ...(inner.findStarted !== undefined ? { findStarted: inner.findStarted.bind(inner) } : {}),
    progress: (r, p) => inner.progress(r, p),
    async finished(r, result) {
      const handed = await inner.finished(r, result);
      metrics.recordClone(result);
      return handed;
    },
  };
}
