import { parseTaskLogLine } from './task-log-line.ts';

/**
 * A task log with each run of consecutive progress lines (`transferred …`) cut to its last line per drive;
 * every other line (disk starts, errors, warnings, anything unknown) stays, in order. Idempotent, so a
 * condensed tail can be extended with more lines and condensed again.
 */
export function condenseTaskLog(lines: readonly string[]): string[] {
  const out: string[] = [];
  // Where each drive's line of the current progress run sits in `out`; drive-mirror interleaves drives.
  let run = new Map<string, number>();
  for (const line of lines) {
    const event = parseTaskLogLine(line);
    if (event?.kind !== 'progress') {
      run = new Map();
      out.push(line);
      continue;
    }
    const drive = event.disk ?? '';
    const at = run.get(drive);
    if (at === undefined) {
      run.set(drive, out.length);
      out.push(line);
    } else {
      out[at] = line;
    }
  }
  return out;
}
