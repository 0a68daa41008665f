import { describe, expect, it } from 'vitest';
import { findingsForPreclone, precloneFailureReason } from '../../src/core/preclone-findings.ts';

const OK = { template: 1, boot: 'order=scsi0', scsi0: 'local-lvm:base-112-disk-0,size=32G' };

describe('findingsForPreclone', () => {
  it('lets a sound template through', () => {
    const f = findingsForPreclone(OK, { vmid: 112, node: 'pve1' });
    expect(f).toEqual([]);
    expect(precloneFailureReason(f)).toBeUndefined();
  });

  it('blocks a template without a boot disk or with its disk in unused0', () => {
    for (const config of [
      { template: 1 },
      { template: 1, unused0: 'local-lvm:vm-112-disk-0' },
      { ...OK, scsi0: 'a:b,size=0' },
    ]) {
      const f = findingsForPreclone(config, { vmid: 112, node: 'pve1' });
      expect(precloneFailureReason(f)).toBe('template-missing-disk');
    }
  });

  it('blocks a VM that is not a template and a locked template', () => {
    expect(precloneFailureReason(findingsForPreclone({ ...OK, template: 0 }))).toBe('not-a-template');
    expect(precloneFailureReason(findingsForPreclone({ scsi0: OK.scsi0 }))).toBe('not-a-template');
    const locked = findingsForPreclone({ ...OK, lock: 'backup' }, { vmid: 112, node: 'pve1' });
    expect(locked[0]?.message).toBe(
      'template 112 on pve1 is locked (backup): Proxmox refuses to clone it now',
    );
    expect(precloneFailureReason(locked)).toBe('template-locked');
  });

  it('warns about the boot order without blocking', () => {
    const f = findingsForPreclone({ ...OK, boot: 'order=' }, { vmid: 112 });
    expect(f.map((x) => [x.code, x.severity])).toEqual([['boot-order-empty', 'warning']]);
    expect(precloneFailureReason(f)).toBeUndefined();
  });
});
