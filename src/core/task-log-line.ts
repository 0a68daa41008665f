/** What one task-log line says, for the lines a clone task prints. */
export type TaskLogEvent =
  | { kind: 'disk-start'; disk: string; mode: 'full' | 'linked'; volume: string }
  | {
      kind: 'progress';
      percent: number;
      bytesDone: number;
      bytesTotal: number;
      /** Drive-mirror lines name their drive (`drive-scsi0: …`). */
      disk?: string;
      ready?: boolean;
    }
  | { kind: 'end'; status: 'ok' }
  | { kind: 'end'; status: 'warnings'; warnings: number }
  | { kind: 'end'; status: 'error'; message: string };

const UNIT: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
  PiB: 1024 ** 5,
};
const SIZE = String.raw`(\d+(?:\.\d+)?) (B|KiB|MiB|GiB|TiB|PiB)`;
const DISK_START = /^create (full|linked) clone of drive (\S+) \((.*)\)$/;
/** PVE ≥ 7: `transferred 4.0 GiB of 32.0 GiB (12.50%)`; drive-mirror adds `in 1m 5s` and `, ready`. */
const RENDERED = new RegExp(
  String.raw`^(?:drive-(\S+): )?transferred ${SIZE} of ${SIZE} \((\d+(?:\.\d+)?)%\)(?: in [0-9dhms ]*[0-9dhms])?(, ready)?$`,
);
/** PVE ≤ 6: `transferred: 1073741824 bytes remaining: … bytes total: 34359738368 bytes progression: 3.12 %`. */
const RAW =
  /^(?:drive-(\S+): )?transferred:? (\d+) bytes remaining:? \d+ bytes total:? (\d+) bytes progression:? (\d+(?:\.\d+)?) ?%(.*)$/;

const bytes = (value: string, unit: string) => Math.round(Number(value) * (UNIT[unit] ?? 1));
const clampPercent = (p: number) => Math.min(100, Math.max(0, p));

/** Parses one task-log line (leading/trailing space ignored); undefined for lines that carry no event. */
export function parseTaskLogLine(raw: string): TaskLogEvent | undefined {
  const line = raw.trim();
  if (line === 'TASK OK') return { kind: 'end', status: 'ok' };
  const warn = /^TASK WARNINGS: (\d+)$/.exec(line);
  if (warn) return { kind: 'end', status: 'warnings', warnings: Number(warn[1]) };
  if (line.startsWith('TASK ERROR:')) return { kind: 'end', status: 'error', message: line.slice(11).trim() };
  const start = DISK_START.exec(line);
  if (start) {
    return {
      kind: 'disk-start',
      mode: start[1] as 'full' | 'linked',
      disk: start[2] as string,
      volume: start[3] as string,
    };
  }
  const r = RENDERED.exec(line);
  if (r) {
    return withDisk(r[1], {
      kind: 'progress',
      bytesDone: bytes(r[2] as string, r[3] as string),
      bytesTotal: bytes(r[4] as string, r[5] as string),
      percent: clampPercent(Number(r[6])),
      ...(r[7] ? { ready: true } : {}),
    });
  }
  const o = RAW.exec(line);
  if (o) {
    return withDisk(o[1], {
      kind: 'progress',
      bytesDone: Number(o[2]),
      bytesTotal: Number(o[3]),
      percent: clampPercent(Number(o[4])),
      ...(/ready:? ?1/.test(o[5] ?? '') ? { ready: true } : {}),
    });
  }
  return undefined;
}

type ProgressEvent = Extract<TaskLogEvent, { kind: 'progress' }>;

function withDisk(disk: string | undefined, event: ProgressEvent): ProgressEvent {
  return disk === undefined ? event : { ...event, disk };
}
