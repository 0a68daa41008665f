import { deleteLeftoverVm } from '../clone/delete-leftover-vm.ts';
import type { CloneRequestRecord } from '../requests/types.ts';
import { checkDecider } from './decide-request.ts';
import { renderLeftoverDeletion } from './messages/leftover-vm-message.ts';
import { slackDate } from './messages/request-fields.ts';
import { renderFailureMessage } from './messages/result-message.ts';
import type { SlackServices } from './slack-services.ts';

/**
 * Failures judged before the clone task ended (timeout, cancelled), by its failed exit (task-failed), or,
 * for a job that gave up, from its failed status: the task is read again at the click, and one that ended
 * OK meanwhile made a good VM. A clone-missing-disk task ends OK by definition, so it is not among them.
 */
const JUDGED_BY_TASK = new Set<string>(['timeout', 'cancelled', 'task-failed', 'proxmox-unreachable']);

/** What the clicker should be told (undefined: the thread reply already says it all). */
export interface DeleteLeftoverResult {
  clicker?: string;
}

/** Where the clicked failure reply is, so it can be re-rendered without its button after a deletion. */
export interface ClickedMessage {
  channel: string;
  ts: string;
}

/**
 * The "Delete VM" button: re-checks that the clicker is an approver, then deletes the VM the request's
 * failed clone left behind, if deleteLeftoverVm finds that safe; the outcome goes to the thread, refusals
 * only to the clicker. `busy` holds the requests being deleted in this process, so a double click sends one DELETE.
 */
export async function deleteLeftover(
  s: SlackServices,
  busy: Set<string>,
  id: string,
  userId: string,
  clicked?: ClickedMessage,
): Promise<DeleteLeftoverResult> {
  const check = await checkDecider(s, id, userId, 'delete-vm');
  if (!check.ok) return { clicker: check.message };
  const record = check.record;
  const result = record.result;
  const leftover = result !== undefined && !result.ok ? result.diagnosis.leftover : undefined;
  if (result === undefined || result.ok || leftover === undefined) {
    return { clicker: 'This request left no VM behind: there is nothing to delete.' };
  }
  const done = record.leftoverDeleted;
  if (done !== undefined) {
    return {
      clicker: `VM ${done.vmid} is already gone: <@${done.by}> deleted it ${slackDate(done.at)}.`,
    };
  }
  if (busy.has(id)) return { clicker: `VM ${leftover.vmid} is being deleted already: see the thread.` };
  busy.add(id);
  const vm = { vmid: leftover.vmid, node: leftover.node, name: record.request.name, by: userId };
  const at = () => new Date(s.clock.now()).toISOString();
  try {
    s.logger.info(
      { audit: true, at: at(), requestId: id, actor: userId, ...vm },
      `delete of VM ${vm.vmid} asked`,
    );
    const cloneUpid = result.upid ?? record.checkpoint?.upid;
    const outcome = await deleteLeftoverVm(
      { proxmox: s.vms, clock: s.clock },
      {
        vmid: vm.vmid,
        node: vm.node,
        name: vm.name,
        requestId: id,
        marked: leftover.requestId === id,
        taskMustHaveFailed: JUDGED_BY_TASK.has(result.diagnosis.reason),
        ...(cloneUpid === undefined ? {} : { cloneUpid }),
      },
    );
    s.logger.info(
      { audit: true, at: at(), requestId: id, actor: userId, vmid: vm.vmid, node: vm.node, outcome },
      `delete of VM ${vm.vmid}: ${outcome.kind}`,
    );
    let updated: CloneRequestRecord | undefined;
    if (outcome.kind === 'deleted') {
      const mark = { vmid: vm.vmid, node: vm.node, by: userId, at: s.clock.now() };
      updated = await s.store.update(id, {
        leftoverDeleted: outcome.upid === undefined ? mark : { ...mark, upid: outcome.upid },
      });
    }
    const notice = renderLeftoverDeletion(outcome, vm);
    if (notice.audience === 'clicker') return { clicker: notice.text };
    await postInThread(s, record, notice.text);
    if (updated && clicked) await rerender(s, updated, clicked);
    return {};
  } catch (err) {
    s.logger.error(
      { requestId: id, actor: userId, vmid: vm.vmid, err: String(err) },
      'delete of leftover VM failed',
    );
    return { clicker: `I could not check or delete VM ${vm.vmid}: ${String(err)}. Try again in a moment.` };
  } finally {
    busy.delete(id);
  }
}

async function postInThread(s: SlackServices, record: CloneRequestRecord, text: string): Promise<void> {
  await s.client.chat
    .postMessage({
      channel: record.channelId,
      ...(record.messageTs !== undefined ? { thread_ts: record.messageTs } : {}),
      text,
    })
    .catch((err: unknown) =>
      s.logger.warn({ requestId: record.id, err: String(err) }, 'could not post in the thread'),
    );
}

/** The failure reply again, now saying who deleted the VM instead of offering the button. */
async function rerender(s: SlackServices, record: CloneRequestRecord, at: ClickedMessage): Promise<void> {
  if (record.result === undefined || record.result.ok) return;
  await s.client.chat
    .update({
      channel: at.channel,
      ts: at.ts,
      ...renderFailureMessage(record, record.result, s.proxmoxUiUrl),
    })
    .catch((err: unknown) =>
      s.logger.warn({ requestId: record.id, err: String(err) }, 'could not update the reply'),
    );
}
