import { describe, expect, it } from 'vitest';
import { parseTaskLogLine } from '../../src/core/task-log-line.ts';
import {
  estimateEta,
  initialTaskProgress,
  LOG_TAIL_LINES,
  reduceTaskLog,
} from '../../src/core/task-progress.ts';

const GiB = 1024 ** 3;

/** A full clone task log of a template with an EFI disk, a cloud-init drive and a 32 GiB disk (PVE 8). */
const LOG = [
  'create full clone of drive efidisk0 (local-lvm:base-9100-disk-1)',
  '  Logical volume "vm-200-disk-0" created.',
  'create full clone of drive ide0 (local-lvm:vm-9100-cloudinit)',
  '  Logical volume "vm-200-cloudinit" created.',
  'create full clone of drive scsi0 (local-lvm:base-9100-disk-0)',
  '  Logical volume "vm-200-disk-1" created.',
  'transferred 0.0 B of 32.0 GiB (0.00%)',
  'transferred 330.2 MiB of 32.0 GiB (1.01%)',
  'transferred 4.0 GiB of 32.0 GiB (12.50%)',
  'transferred 32.0 GiB of 32.0 GiB (100.00%)',
  'TASK OK',
];

describe('parseTaskLogLine', () => {
  it('reads disk starts, both progress forms and the end lines', () => {
    expect(parseTaskLogLine(LOG[4] as string)).toEqual({
      kind: 'disk-start',
      mode: 'full',
      disk: 'scsi0',
      volume: 'local-lvm:base-9100-disk-0',
    });
    expect(parseTaskLogLine('create linked clone of drive scsi0 (local-lvm:base-9100-disk-0)')).toMatchObject(
      {
        mode: 'linked',
      },
    );
    expect(parseTaskLogLine('transferred 4.0 GiB of 32.0 GiB (12.50%)')).toEqual({
      kind: 'progress',
      bytesDone: 4 * GiB,
      bytesTotal: 32 * GiB,
      percent: 12.5,
    });
    expect(parseTaskLogLine('drive-scsi0: transferred 1.0 GiB of 32.0 GiB (3.12%) in 5s')).toEqual({
      kind: 'progress',
      disk: 'scsi0',
      bytesDone: GiB,
      bytesTotal: 32 * GiB,
      percent: 3.12,
    });
    expect(
      parseTaskLogLine('drive-scsi0: transferred 32.0 GiB of 32.0 GiB (100.00%) in 1m 5s, ready'),
    ).toMatchObject({
      percent: 100,
      ready: true,
    });
    expect(parseTaskLogLine('transferred 512.0 B of 1.5 TiB (0.00%)')).toMatchObject({
      bytesDone: 512,
      bytesTotal: 1.5 * 1024 ** 4,
    });
    expect(parseTaskLogLine('transferred 1.0 KiB of 2.0 MiB (0.05%)')).toMatchObject({
      bytesDone: 1024,
      bytesTotal: 2 * 1024 ** 2,
    });
    expect(parseTaskLogLine('TASK OK')).toEqual({ kind: 'end', status: 'ok' });
    expect(parseTaskLogLine('TASK WARNINGS: 3')).toEqual({ kind: 'end', status: 'warnings', warnings: 3 });
    expect(
      parseTaskLogLine(
        "TASK ERROR: clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
      ),
    ).toEqual({
      kind: 'end',
      status: 'error',
      message: "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
    });
  });

  it('reads the PVE 6 byte-count form', () => {
    expect(
      parseTaskLogLine(
        'transferred: 1073741824 bytes remaining: 33285996544 bytes total: 34359738368 bytes progression: 3.12 %',
      ),
    ).toEqual({ kind: 'progress', bytesDone: GiB, bytesTotal: 32 * GiB, percent: 3.12 });
    expect(
      parseTaskLogLine(
        'drive-scsi0: transferred: 34359738368 bytes remaining: 0 bytes total: 34359738368 bytes progression: 100.00 % busy: 0 ready: 1',
      ),
    ).toMatchObject({ disk: 'scsi0', percent: 100, ready: true });
  });

  it('ignores other and malformed lines', () => {
    for (const line of [
      '  Logical volume "vm-200-disk-0" created.',
      "all 'mirror' jobs are ready",
      'transferred 4.0 GB of 32.0 GiB (12.50%)',
      'transferred x of y (z%)',
      'TASK OKAY',
      'create full clone of drive scsi0',
      '',
      'no content',
    ]) {
      expect(parseTaskLogLine(line)).toBeUndefined();
    }
  });

  it('clamps a percent over 100', () => {
    expect(parseTaskLogLine('transferred 33.0 GiB of 32.0 GiB (103.13%)')).toMatchObject({ percent: 100 });
  });
});

describe('reduceTaskLog', () => {
  it('follows disks and progress through incremental chunks with line numbers', () => {
    const numbered = LOG.map((t, i) => ({ n: i + 1, t }));
    let s = initialTaskProgress(3);
    s = reduceTaskLog(s, [{ n: 1, t: 'no content' }]);
    expect(s.lastLines).toEqual([]);
    s = reduceTaskLog(s, numbered.slice(0, 5));
    expect(s).toMatchObject({ disk: 'scsi0', diskIndex: 3, diskCount: 3 });
    expect(s.percent).toBeUndefined();
    s = reduceTaskLog(s, numbered.slice(3, 9)); // overlaps lines 4–5: not counted twice
    expect(s).toMatchObject({
      disk: 'scsi0',
      diskIndex: 3,
      percent: 12.5,
      bytesDone: 4 * GiB,
      bytesTotal: 32 * GiB,
    });
    // The three progress lines of scsi0 so far are one line: the last.
    expect(s.lastLines).toHaveLength(7);
    expect(s.lastLines.at(-1)).toBe('transferred 4.0 GiB of 32.0 GiB (12.50%)');
    expect(s.end).toBeUndefined();
    s = reduceTaskLog(s, numbered.slice(9));
    expect(s.percent).toBe(100);
    expect(s.end).toEqual({ status: 'ok' });
    expect(s.lastLineNumber).toBe(11);
  });

  it('resets per-disk progress at the next disk and raises a too-small disk count', () => {
    let s = reduceTaskLog(initialTaskProgress(1), [
      'create full clone of drive scsi0 (a:base-1-disk-0)',
      'transferred 8.0 GiB of 8.0 GiB (100.00%)',
      'create full clone of drive scsi1 (a:base-1-disk-1)',
    ]);
    expect(s).toMatchObject({ disk: 'scsi1', diskIndex: 2, diskCount: 2 });
    expect(s.bytesDone).toBeUndefined();
    s = reduceTaskLog(s, ['TASK ERROR: clone failed: interrupted by signal']);
    expect(s.end).toEqual({ status: 'error', message: 'clone failed: interrupted by signal' });
  });

  it('takes the disk from drive-mirror lines and keeps only the last lines', () => {
    const s = reduceTaskLog(initialTaskProgress(), [
      'drive-virtio0: transferred 1.0 GiB of 2.0 GiB (50.00%) in 2s',
    ]);
    expect(s).toMatchObject({ disk: 'virtio0', percent: 50 });
    expect(s).not.toHaveProperty('diskCount');
    const many = reduceTaskLog(
      s,
      Array.from({ length: 50 }, (_, i) => `line ${i}`),
    );
    expect(many.lastLines).toHaveLength(LOG_TAIL_LINES);
    expect(many.lastLines.at(-1)).toBe('line 49');
  });

  it('condenses progress runs across chunks, so 20 lines of tail keep the disk starts', () => {
    let s = reduceTaskLog(initialTaskProgress(1), ['create full clone of drive scsi0 (a:base-1-disk-0)']);
    for (let i = 0; i < 30; i++) s = reduceTaskLog(s, [`transferred ${i}.0 GiB of 32.0 GiB (${i * 3}.00%)`]);
    s = reduceTaskLog(s, ['TASK ERROR: clone failed: interrupted by signal']);
    expect(s.lastLines).toEqual([
      'create full clone of drive scsi0 (a:base-1-disk-0)',
      'transferred 29.0 GiB of 32.0 GiB (87.00%)',
      'TASK ERROR: clone failed: interrupted by signal',
    ]);
    expect(s.percent).toBe(87);
  });

  it('does not change the state it was given', () => {
    const s = initialTaskProgress(1);
    reduceTaskLog(s, ['create full clone of drive scsi0 (a:b)']);
    expect(s).toEqual(initialTaskProgress(1));
  });
});

describe('estimateEta', () => {
  it('estimates from percent and elapsed time', () => {
    expect(estimateEta(25, 60_000)).toBe(180_000);
    expect(estimateEta(100, 60_000)).toBe(0);
    expect(estimateEta(0, 60_000)).toBeUndefined();
    expect(estimateEta(10, 0)).toBeUndefined();
    expect(estimateEta(Number.NaN, 1000)).toBeUndefined();
  });

  it('estimates from samples, first to last', () => {
    expect(
      estimateEta([
        { at: 0, percent: 10 },
        { at: 5_000, percent: 15 },
        { at: 10_000, percent: 20 },
      ]),
    ).toBe(80_000);
    expect(estimateEta([{ at: 0, percent: 10 }])).toBeUndefined();
    expect(estimateEta([])).toBeUndefined();
    expect(
      estimateEta([
        { at: 0, percent: 50 },
        { at: 1000, percent: 40 },
      ]),
    ).toBeUndefined();
    expect(
      estimateEta([
        { at: 1000, percent: 10 },
        { at: 1000, percent: 20 },
      ]),
    ).toBeUndefined();
  });
});
