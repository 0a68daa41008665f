import { describe, expect, it } from 'vitest';
import { condenseTaskLog } from '../../src/core/condense-task-log.ts';

describe('condenseTaskLog', () => {
  it('keeps the last line of each progress run and every other line in order', () => {
    expect(
      condenseTaskLog([
        'create full clone of drive efidisk0 (local-lvm:base-112-disk-1)',
        'transferred 0.0 B of 4.0 MiB (0.00%)',
        'transferred 4.0 MiB of 4.0 MiB (100.00%)',
        'create full clone of drive scsi0 (local-lvm:base-112-disk-0)',
        'transferred 1.0 GiB of 32.0 GiB (3.13%)',
        'transferred 2.0 GiB of 32.0 GiB (6.25%)',
        '  WARNING: Thin volume vm-200-disk-1 near its limit',
        'transferred 3.0 GiB of 32.0 GiB (9.38%)',
        'transferred: 3435973836 bytes remaining: 30923764532 bytes total: 34359738368 bytes progression: 10.00 %',
        'TASK ERROR: clone failed: interrupted by signal',
      ]),
    ).toEqual([
      'create full clone of drive efidisk0 (local-lvm:base-112-disk-1)',
      'transferred 4.0 MiB of 4.0 MiB (100.00%)',
      'create full clone of drive scsi0 (local-lvm:base-112-disk-0)',
      'transferred 2.0 GiB of 32.0 GiB (6.25%)',
      '  WARNING: Thin volume vm-200-disk-1 near its limit',
      // Both progress forms (PVE ≥ 7 and ≤ 6) are progress: one run.
      'transferred: 3435973836 bytes remaining: 30923764532 bytes total: 34359738368 bytes progression: 10.00 %',
      'TASK ERROR: clone failed: interrupted by signal',
    ]);
  });

  it('keeps one line per drive when drive-mirror interleaves drives, and is idempotent', () => {
    const log = [
      'drive-scsi0: transferred 1.0 GiB of 32.0 GiB (3.13%) in 1s',
      'drive-scsi1: transferred 1.0 GiB of 8.0 GiB (12.50%) in 1s',
      'drive-scsi0: transferred 2.0 GiB of 32.0 GiB (6.25%) in 2s',
      'drive-scsi1: transferred 8.0 GiB of 8.0 GiB (100.00%) in 2s, ready',
    ];
    const once = condenseTaskLog(log);
    expect(once).toEqual([
      'drive-scsi0: transferred 2.0 GiB of 32.0 GiB (6.25%) in 2s',
      'drive-scsi1: transferred 8.0 GiB of 8.0 GiB (100.00%) in 2s, ready',
    ]);
    expect(condenseTaskLog(once)).toEqual(once);
    expect(condenseTaskLog([])).toEqual([]);
  });
});
