import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { createRequestMoves } from '../requests/request-moves.ts';
import type { CloneRequestRecord, RequestStore } from '../requests/types.ts';
import { runEvery } from './run-every.ts';
import type { CloneNotifier, CloneQueue } from './types.ts';

/** What the re-delivery sweeper needs (times in clock ms). */
export interface RedeliveryDeps {
  store: RequestStore;
  queue: Pick<CloneQueue, 'jobState'>;
  notifier: CloneNotifier;
  clock: Clock;
  logger: Logger;
  /**
   * A result is only re-delivered once it has been saved (or last tried here) this long ago: the job that
   * saved it delivers first, and a sweeper that died mid-delivery is taken over after this. Default 10 min.
   */
  minAgeMs?: number;
}

const PAGE = 100;
const MAX_PAGES = 100;

// While the job is in one of these states it still owns the delivery (it retries it with backoff).
const JOB_GONE = new Set(['failed', 'completed', 'unknown']);

/**
 * One sweep: delivers every saved result that no job will deliver any more (its job failed after every
 * attempt, or is gone), each claimed atomically so two workers never post it twice. Returns how many it
 * delivered; a delivery that fails again is retried by a later sweep.
 */
export async function redeliverResults(deps: RedeliveryDeps): Promise<number> {
  const { store, logger } = deps;
  const moves = createRequestMoves({ store, clock: deps.clock });
  const before = deps.clock.now() - (deps.minAgeMs ?? 600_000);
  let delivered = 0;
  // Every undelivered result, a page at a time: one page of entries still owned by their jobs must not
  // hide the rest (given-up deliveries leave the index, so it holds only results still being delivered).
  const candidates: CloneRequestRecord[] = [];
  for (let offset = 0; offset < MAX_PAGES * PAGE; offset += PAGE) {
    const page = await store.listUndelivered(before, PAGE, offset);
    candidates.push(...page);
    // The index holds only undelivered results (the store unindexes the rest atomically): a short page is the last.
    if (page.length < PAGE) break;
  }
  for (const record of candidates) {
    const id = record.id;
    if (!JOB_GONE.has(await deps.queue.jobState(id))) continue;
    if (!(await store.claimDelivery(id, before))) continue; // another worker has it
    const fresh = await store.get(id);
    if (fresh?.result === undefined || fresh.resultDelivered) continue;
    try {
      if ((await deps.notifier.finished(fresh, fresh.result)) === 'queued') {
        delivered += 1;
        logger.info({ requestId: id }, `request ${id}: result handed to the outbox again`);
        continue;
      }
      await moves.delivered(id);
      delivered += 1;
      logger.info(
        { audit: true, requestId: id, status: fresh.status, at: new Date(deps.clock.now()).toISOString() },
        `request ${id}: result re-delivered`,
      );
    } catch (err) {
      logger.warn({ err, requestId: id }, 'result re-delivery failed; a later sweep retries');
    }
  }
  return delivered;
}

/**
 * Runs redeliverResults at start and then every `intervalMs` (clock time) until the returned function is
 * called, so no result is lost to a Slack outage longer than the job's retries.
 */
export function startRedeliverySweeper(deps: RedeliveryDeps & { intervalMs: number }): () => void {
  const logger = deps.logger.child({ component: 'redelivery-sweeper' });
  return runEvery(
    deps.clock,
    deps.intervalMs,
    () => redeliverResults({ ...deps, logger }),
    (err) => logger.warn({ err }, 're-delivery sweep failed; retrying next round'),
  );
}
