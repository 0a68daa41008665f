import type { Clock } from '../clock.ts';
import { explainInternalError } from '../core/explain-internal-error.ts';
import type { StartedClone } from '../clone/find-started-clone.ts';
import type { CloneCheckpoint, CloneFailure } from '../core/types.ts';
import type { TaskStatus } from '../proxmox/types.ts';
import type { Logger } from '../logger.ts';
import { createRequestMoves } from '../requests/request-moves.ts';
import type { RequestStore } from '../requests/types.ts';
import type { CloneNotifier } from './types.ts';

/** Reads Proxmox for a job that gave up: a task's status, and the started clone of a checkpoint without UPID. */
export interface CloneTaskLookup {
  taskStatus(upid: string): Promise<TaskStatus>;
  findStartedClone(cp: CloneCheckpoint): Promise<StartedClone>;
}

/**
 * After a clone job's last attempt failed (the engine threw every time: Redis or Proxmox unreachable before
 * the clone started, or a bug), records the request as failed and tries once to say so in Slack, so that no
 * request is left "cloning" forever. A result that could not be delivered (here, or after every attempt) is
 * left to startRedeliverySweeper, which finds it in the store's undelivered index.
 */
export async function failExhaustedJob(
  deps: {
    store: RequestStore;
    notifier: CloneNotifier;
    clock: Clock;
    logger: Logger;
    lookup?: CloneTaskLookup;
  },
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
  const node = cp?.templateNode ?? record.request.node;
  const clone = await whatWasStarted(deps, cp);
  const { advice, offerDelete } = adviceFor(clone, cp?.newVmid, node);
  const upid = clone.kind === 'started' ? clone.upid : undefined;
  const result: CloneFailure = {
    ok: false,
    durationMs: record.startedAt !== undefined ? deps.clock.now() - record.startedAt : 0,
    diagnosis: {
      reason: 'proxmox-unreachable',
      summary: `The clone job gave up after ${attempts} attempts: ${explainInternalError(error.message)}.`,
      advice,
      // Delete is offered only for a clone task read as failed now: one that ended OK made a good VM.
      ...(offerDelete && cp?.newVmid !== undefined
        ? { leftover: { vmid: cp.newVmid, node, requestId: record.id } }
        : {}),
    },
    ...(cp?.templateVmid !== undefined ? { templateVmid: cp.templateVmid } : {}),
    ...(cp?.newVmid !== undefined ? { vmid: cp.newVmid } : {}),
    ...(upid !== undefined ? { upid } : {}),
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

/** What the give-up knows of a clone it may have started. */
type WhatStarted =
  | { kind: 'nothing' }
  | { kind: 'unknown'; why: string }
  | {
      kind: 'started';
      upid: string;
      task: 'running' | 'ok' | 'failed' | 'unreadable';
      detail?: string;
    };

/**
 * The clone task from the checkpoint's UPID, or (a VMID chosen, the UPID never saved) searched for as a
 * lost job's is; then its status read now. Without a lookup nothing is proved either way.
 */
async function whatWasStarted(
  deps: { lookup?: CloneTaskLookup; logger: Logger },
  cp: CloneCheckpoint | undefined,
): Promise<WhatStarted> {
  if (cp?.newVmid === undefined && cp?.upid === undefined) return { kind: 'nothing' };
  const { lookup } = deps;
  let upid = cp.upid;
  if (upid === undefined) {
    if (lookup === undefined) return { kind: 'unknown', why: 'Proxmox was not asked' };
    try {
      const found = await lookup.findStartedClone(cp);
      if (found.kind === 'not-started') return { kind: 'nothing' };
      if (found.kind === 'unknown') return found;
      upid = found.upid;
    } catch (err) {
      return { kind: 'unknown', why: `Proxmox could not be read (${explainInternalError(String(err))})` };
    }
  }
  if (lookup === undefined) return { kind: 'started', upid, task: 'unreadable' };
  try {
    const t = await lookup.taskStatus(upid);
    if (t.status === 'running') return { kind: 'started', upid, task: 'running' };
    const exit = t.exitstatus ?? '';
    const ok = exit === 'OK' || /^WARNINGS: \d+$/.test(exit);
    return { kind: 'started', upid, task: ok ? 'ok' : 'failed', detail: exit || 'no exit status' };
  } catch (err) {
    deps.logger.warn({ upid, err: String(err) }, 'could not read the clone task of a job that gave up');
    return { kind: 'started', upid, task: 'unreadable' };
  }
}

function adviceFor(
  clone: WhatStarted,
  newVmid: number | undefined,
  node: string,
): { advice: string[]; offerDelete: boolean } {
  const vm = newVmid !== undefined ? `VM ${newVmid}` : 'the new VM';
  const look = 'look at it in the Proxmox UI (Datacenter → Tasks) before requesting again';
  switch (clone.kind) {
    case 'nothing':
      return {
        advice: [
          'Nothing was created on Proxmox: no clone had been started',
          'Check that Proxmox and Redis answer (pve-clonebot health), then request the clone again',
        ],
        offerDelete: false,
      };
    case 'unknown':
      return {
        advice: [
          `Whether the clone was started is unknown (${clone.why}): look for ${vm} on ${node} and its qmclone task before requesting again`,
        ],
        offerDelete: false,
      };
    case 'started':
      switch (clone.task) {
        case 'failed':
          return {
            advice: [
              `The clone task ${clone.upid} failed (${clone.detail}): ${vm} may be left on ${node}; delete it if it is there`,
            ],
            offerDelete: true,
          };
        case 'ok':
          return {
            advice: [
              `The clone task ${clone.upid} ended ${clone.detail}: ${vm} on ${node} may be complete, but the bot did not check it or write its owner record; ${look}`,
            ],
            offerDelete: false,
          };
        case 'running':
          return {
            advice: [`The clone task ${clone.upid} is still running: ${look}`],
            offerDelete: false,
          };
        case 'unreadable':
          return {
            advice: [
              `The clone task ${clone.upid} had been started and its state could not be read: ${look}`,
              `If it failed, delete ${vm} on ${node} if it is there; if it succeeded, ${vm} is yours`,
            ],
            offerDelete: false,
          };
      }
  }
}

/** `scheme://user:password@host` → `scheme://***@host` anywhere in a message. */
const redactUrls = (text: string) => text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1***@');
