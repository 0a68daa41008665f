import { condenseTaskLog } from './condense-task-log.ts';
import { parseTaskLogLine } from './task-log-line.ts';

/** How many task-log lines are kept for diagnostics. */
export const LOG_TAIL_LINES = 20;

/** How a task ended, from its last log line. */
export type TaskLogEnd =
  | { status: 'ok' }
  | { status: 'warnings'; warnings: number }
  | { status: 'error'; message: string };

/** What the task log has said so far; fed incrementally by reduceTaskLog. */
export interface TaskProgressState {
  /** The drive being copied (`scsi0`). */
  disk?: string;
  /** 1-based index of that drive among the drives copied (0 before the first). */
  diskIndex: number;
  /** Drives the clone copies, when the caller knows (clonedDriveKeys of the template). */
  diskCount?: number;
  /** Percent of the current drive; Proxmox reports progress per drive. */
  percent?: number;
  bytesDone?: number;
  bytesTotal?: number;
  /** The last LOG_TAIL_LINES lines, each run of progress lines condensed to its last (condenseTaskLog). */
  lastLines: string[];
  /** Highest log line number (`n`) consumed, so re-read chunks are not counted twice. */
  lastLineNumber: number;
  end?: TaskLogEnd;
}

/** The state before any log line. */
export function initialTaskProgress(diskCount?: number): TaskProgressState {
  return diskCount === undefined
    ? { diskIndex: 0, lastLines: [], lastLineNumber: 0 }
    : { diskIndex: 0, diskCount, lastLines: [], lastLineNumber: 0 };
}

/** One log line as GET …/tasks/{upid}/log returns it, or a bare string. */
export type TaskLogInput = string | { n: number; t: string };

/**
 * Folds a chunk of task-log lines into the state. Lines given with their `n` are consumed once even when
 * chunks overlap; Proxmox's `no content` placeholder for an empty log is ignored.
 */
export function reduceTaskLog(state: TaskProgressState, lines: readonly TaskLogInput[]): TaskProgressState {
  const next: TaskProgressState = { ...state, lastLines: [...state.lastLines] };
  for (const item of lines) {
    const text = typeof item === 'string' ? item : item.t;
    if (typeof item !== 'string') {
      if (item.n === 1 && text === 'no content') continue;
      if (item.n <= next.lastLineNumber) continue;
      next.lastLineNumber = item.n;
    } else {
      next.lastLineNumber += 1;
    }
    next.lastLines.push(text);
    const event = parseTaskLogLine(text);
    if (!event) continue;
    if (event.kind === 'disk-start') {
      next.disk = event.disk;
      next.diskIndex += 1;
      delete next.percent;
      delete next.bytesDone;
      delete next.bytesTotal;
    } else if (event.kind === 'progress') {
      if (event.disk !== undefined && next.disk === undefined) next.disk = event.disk;
      next.percent = event.percent;
      next.bytesDone = event.bytesDone;
      next.bytesTotal = event.bytesTotal;
    } else {
      const { kind: _kind, ...end } = event;
      next.end = end;
    }
  }
  if (next.diskCount !== undefined && next.diskIndex > next.diskCount) next.diskCount = next.diskIndex;
  // Condensed before the cut, so the tail keeps context (disk starts) instead of 20 `transferred …` lines.
  next.lastLines = condenseTaskLog(next.lastLines).slice(-LOG_TAIL_LINES);
  return next;
}

/** A percent reading at a point in time (ms). */
export interface ProgressSample {
  at: number;
  percent: number;
}

/**
 * Remaining time in ms from the copy rate: from samples (first to last), or from a percent reached after
 * `elapsedMs`. Undefined when the rate is not yet measurable.
 */
export function estimateEta(samples: readonly ProgressSample[]): number | undefined;
export function estimateEta(percent: number, elapsedMs: number): number | undefined;
export function estimateEta(a: readonly ProgressSample[] | number, elapsedMs?: number): number | undefined {
  let rate: number;
  let current: number;
  if (typeof a === 'number') {
    if (elapsedMs === undefined || !(elapsedMs > 0) || !(a > 0)) return undefined;
    rate = a / elapsedMs;
    current = a;
  } else {
    const first = a[0];
    const last = a[a.length - 1];
    if (!first || !last || !(last.at > first.at)) return undefined;
    rate = (last.percent - first.percent) / (last.at - first.at);
    current = last.percent;
  }
  if (!Number.isFinite(rate) || rate <= 0 || !Number.isFinite(current)) return undefined;
  if (current >= 100) return 0;
  return Math.round((100 - current) / rate);
}
