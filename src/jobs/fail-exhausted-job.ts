import type { Clock } from '../clock.ts';
import { explainInternalError } from '../core/explain-internal-error.ts';
import type { CloneFailure } from '../core/types.ts';
import type { Logger } from '../logger.ts';
import { createRequestMoves } from '../requests/request-moves.ts';
import type { RequestStore } from '../requests/types.ts';
import type { CloneNotifier } from './types.ts';

/**
 * After a clone job's last attempt failed (the engine threw every time: Redis or Proxmox unreachable before
 * the clone started, or a bug), records the request as failed and tries once to say so in Slack, so that no
 * request is left "cloning" forever. A result that could not be delivered (here, or after every attempt) is
 * left to startRedeliverySweeper, which finds it in the store's undelivered index.
 */
export async function failExhaustedJob(
  deps: { store: RequestStore; notifier: CloneNotifier; clock: Clock; logger: Logger },
  requestId: string,
  error: Error,
  attempts: number,
): Promise<void> {
  const { store, logger } = deps;
  const record = await store.get(requestId);
  if (!record) return;
  if (record.result !== undefined) {
    if (!record.resultDelivered) {
      logger.error(
        { requestId, err: redactUrls(error.message), attempts },
        'the result of this request could not be delivered to Slack after every retry; the re-delivery sweep will try again',
      );
    }
    return;
  }
  if (record.status !== 'approved' && record.status !== 'cloning') return;
  // The raw error goes to the log (its URL user-info hidden); the channel gets a plain sentence.
  logger.error({ requestId, err: redactUrls(error.message), attempts }, 'the clone job gave up');
  const cp = record.checkpoint;
  const started = cp?.upid !== undefined;
  const advice = started
    ? [
        `The clone task ${cp?.upid} had been started: look at it in the Proxmox UI (Datacenter → Tasks) before requesting again`,
        `VM ${cp?.newVmid} may exist on ${cp?.templateNode ?? record.request.node}; delete it there if the task failed`,
      ]
    : [
        'Nothing was created on Proxmox: no clone had been started',
        'Check that Proxmox and Redis answer (pve-clonebot health), then request the clone again',
      ];
  const result: CloneFailure = {
    ok: false,
    durationMs: record.startedAt !== undefined ? deps.clock.now() - record.startedAt : 0,
    diagnosis: {
      reason: 'proxmox-unreachable',
      summary: `The clone job gave up after ${attempts} attempts: ${explainInternalError(error.message)}.`,
      advice,
      ...(started && cp?.newVmid !== undefined
        ? { leftover: { vmid: cp.newVmid, node: cp.templateNode ?? record.request.node } }
        : {}),
    },
    ...(cp?.templateVmid !== undefined ? { templateVmid: cp.templateVmid } : {}),
    ...(cp?.newVmid !== undefined ? { vmid: cp.newVmid } : {}),
    ...(cp?.upid !== undefined ? { upid: cp.upid } : {}),
  };
  const moves = createRequestMoves({ store, clock: deps.clock });
  const t = await moves.giveUp(requestId, result);
  if (!t.ok) return;
  try {
    if ((await deps.notifier.finished(t.record, result)) !== 'queued') {
      await moves.delivered(requestId);
    }
  } catch (err) {
    logger.error(
      { requestId, err },
      'could not tell Slack that the clone job gave up; the failure is saved and the re-delivery sweep will retry',
    );
  }
}

/** `scheme://user:password@host` → `scheme://***@host` anywhere in a message. */
const redactUrls = (text: string) => text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1***@');
