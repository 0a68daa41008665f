import type { KnownBlock } from '@slack/types';
import { formatBytes, formatDuration, progressBar } from '../../core/format.ts';
import type { ClonePhase, CloneProgress, CloneResult } from '../../core/types.ts';
import type { CloneRequestRecord } from '../../requests/types.ts';
import { escapeMrkdwn, SLACK_LIMITS, truncate } from './slack-limits.ts';
import type { SlackMessage } from './slack-message.ts';

const PHASES: Record<ClonePhase, string> = {
  'verifying-template': 'Verifying template',
  'allocating-vmid': 'Allocating VMID',
  starting: 'Starting clone',
  cloning: 'Cloning',
  finishing: 'Finishing',
  'verifying-clone': 'Verifying clone',
  'waiting-to-retry': 'Waiting to retry',
};

/** What the clone is doing, in words: `Cloning disk scsi0 (1/2)`, `Waiting to retry (attempt 2 of 4)`. */
export function phaseLabel(p: CloneProgress): string {
  if (p.phase === 'waiting-to-retry' && p.retry)
    return `${PHASES[p.phase]} (attempt ${p.retry.attempt} of ${p.retry.of})`;
  if (p.phase !== 'cloning') return PHASES[p.phase];
  const count =
    p.diskIndex !== undefined && p.diskCount !== undefined ? ` (${p.diskIndex}/${p.diskCount})` : '';
  return p.disk !== undefined ? `Cloning disk ${p.disk}${count}` : `Cloning${count}`;
}

function copyLine(p: CloneProgress): string | undefined {
  if (p.percent === undefined) return undefined;
  const parts = [`\`${progressBar(p.percent)}\``];
  if (p.bytesDone !== undefined && p.bytesTotal !== undefined) {
    parts.push(`${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}`);
  }
  if (p.etaMs !== undefined && p.percent < 100) parts.push(`ETA ${formatDuration(p.etaMs)}`);
  return parts.join(' · ');
}

/** The block_id of a progress reply's first block: marks the reply as the progress of request `requestId`. */
export function progressBlockId(requestId: string): string {
  return `progress-${requestId}`;
}

const slackTime = (ms: number) => {
  const sec = Math.floor(ms / 1000);
  return `<!date^${sec}^{time}|${new Date(sec * 1000).toISOString().slice(11, 16)} UTC>`;
};

function vmLabel(record: CloneRequestRecord, vmid: number | undefined): string {
  return vmid !== undefined ? `VM ${vmid} \`${record.request.name}\`` : `\`${record.request.name}\``;
}

/**
 * The thread reply edited while a clone runs: phase, copy progress bar with bytes and ETA, elapsed / timeout.
 * With a `result` it shows the reply's final state (the result itself is a separate reply).
 */
export function renderProgressMessage(
  record: CloneRequestRecord,
  progress: CloneProgress | undefined,
  result?: CloneResult,
): SlackMessage {
  const vmid = result?.ok ? result.vmid : (result?.vmid ?? progress?.newVmid ?? record.checkpoint?.newVmid);
  let head: string;
  let detail: string | undefined;
  if (result?.ok) {
    head = `:white_check_mark: *Clone finished* in ${formatDuration(result.durationMs)} · ${vmLabel(record, vmid)}`;
    detail = `\`${progressBar(100)}\``;
  } else if (result && !result.ok) {
    head = `:x: *Clone ${result.diagnosis.reason === 'cancelled' ? 'cancelled' : 'failed'}* after ${formatDuration(
      result.durationMs,
    )} · ${vmLabel(record, vmid)}`;
    detail = escapeMrkdwn(truncate(result.diagnosis.summary, 1000));
  } else if (progress?.phase === 'waiting-to-retry') {
    // The last attempt's VM was removed by Proxmox: no VMID to show until the next attempt allocates one.
    head = `:hourglass_flowing_sand: *${phaseLabel(progress)}* · ${vmLabel(record, undefined)}`;
    detail = progress.retry
      ? `${escapeMrkdwn(truncate(progress.retry.why, 500))}. Trying again in ${formatDuration(progress.retry.inMs)} (${slackTime(progress.retry.at)}); nothing is left on Proxmox meanwhile.`
      : undefined;
  } else if (progress) {
    head = `:arrows_counterclockwise: *${phaseLabel(progress)}* · ${vmLabel(record, vmid)}`;
    detail = copyLine(progress);
  } else {
    head = `:arrows_counterclockwise: *Starting the clone* · ${vmLabel(record, vmid)}`;
  }
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      // The marker a resumed job finds this reply by (conversations.replies) when its ts was never saved.
      block_id: progressBlockId(record.id),
      text: {
        type: 'mrkdwn',
        text: truncate(detail ? `${head}\n${detail}` : head, SLACK_LIMITS.sectionText),
      },
    },
  ];
  if (progress && !result) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Elapsed ${formatDuration(progress.elapsedMs)} / timeout ${formatDuration(progress.timeoutMs)}`,
        },
      ],
    });
  }
  const copying = progress !== undefined && progress.phase !== 'waiting-to-retry' && !result;
  const pct = copying && progress.percent !== undefined ? ` ${Math.floor(progress.percent)}%` : '';
  const state = result ? (result.ok ? 'finished' : 'failed') : progress ? phaseLabel(progress) : 'starting';
  return { text: `Clone of ${record.request.name}: ${state}${pct}`, blocks };
}
