import type { Clock } from '../clock.ts';
import type { CloneProgress, CloneResult } from '../core/types.ts';
import { type RequestEvent, resultEvent, statusesAllowing, targetOf } from './request-lifecycle.ts';
import type { CloneRequestRecord, RecordPatch, RequestStore, TransitionResult } from './types.ts';

/** The part of the store the moves use. */
export type MovesStore = Pick<RequestStore, 'transition' | 'update' | 'cancel' | 'expirePending'>;

/**
 * The only code that changes a request's status or records its delivery: each move is an event of the
 * lifecycle table (request-lifecycle.ts), applied atomically by the store from exactly the statuses the table
 * allows it in. The request service (bot side) and the clone worker both move requests through these.
 */
export interface RequestMoves {
  /** Applies `event` to `id` with `patch`; `actor` is for the audit log (default: the patch's decider). */
  move(id: string, event: RequestEvent, patch?: RecordPatch, actor?: string): Promise<TransitionResult>;
  /** `cancel`, also telling the worker running it to stop its Proxmox task. */
  cancel(id: string, by: string): Promise<TransitionResult>;
  /** `expire` for every pending request past its expiry; the records it moved. */
  expireDue(): Promise<CloneRequestRecord[]>;
  /** `start`: a worker takes the approved request up. */
  start(id: string): Promise<TransitionResult>;
  /** Saves the newest progress (no status change); the record as saved, undefined when gone. */
  progress(id: string, progress: CloneProgress): Promise<CloneRequestRecord | undefined>;
  /**
   * Saves a clone's result with the status it proves (`succeed`, `fail` or `stop`). Where the result moves
   * nothing (a stop on a cancelled request) it is saved without a status change. Undefined when gone.
   */
  finish(id: string, result: CloneResult): Promise<CloneRequestRecord | undefined>;
  /** `give-up`: the job's last attempt threw; `result` says so. */
  giveUp(id: string, result: CloneResult): Promise<TransitionResult>;
  /** The final reply was posted (where, when known): no more deliveries. */
  delivered(id: string, at?: { channel: string; ts: string }): Promise<CloneRequestRecord | undefined>;
  /** The final reply could not be posted anywhere after every try (audited by the caller): no more sweeps. */
  abandoned(id: string, reason: string): Promise<CloneRequestRecord | undefined>;
}

/**
 * Creates the moves over `store`. A class, so its methods live once on the prototype: a clone worker makes
 * moves per job over that job's fenced store, up to a thousand at once (issue 9).
 */
export function createRequestMoves(deps: { store: MovesStore; clock: Clock }): RequestMoves {
  return new StoreMoves(deps.store, deps.clock);
}

class StoreMoves implements RequestMoves {
  constructor(
    private readonly store: MovesStore,
    private readonly clock: Clock,
  ) {}

  move(id: string, event: RequestEvent, patch: RecordPatch = {}, actor?: string): Promise<TransitionResult> {
    return this.store.transition(id, statusesAllowing(event), targetOf(event), patch, actor);
  }
  cancel(id: string, by: string) {
    return this.store.cancel(id, by);
  }
  expireDue() {
    return this.store.expirePending();
  }
  start(id: string) {
    return this.move(id, 'start', { startedAt: this.clock.now() }, 'worker');
  }
  progress(id: string, progress: CloneProgress) {
    return this.store.update(id, { lastProgress: progress });
  }
  async finish(id: string, result: CloneResult) {
    const saved = await this.move(id, resultEvent(result), { result }, 'worker');
    if (saved.ok) return saved.record;
    return this.store.update(id, { result });
  }
  giveUp(id: string, result: CloneResult) {
    return this.move(id, 'give-up', { result }, 'worker');
  }
  delivered(id: string, at?: { channel: string; ts: string }) {
    return this.store.update(id, { resultDelivered: true, ...(at !== undefined ? { resultTs: at } : {}) });
  }
  abandoned(id: string, reason: string) {
    return this.store.update(id, { deliveryAbandoned: { at: this.clock.now(), reason } });
  }
}
