import { describe, expect, it } from 'vitest';
import { clonedDriveKeys, findBootDisk, inspectDisks, parseBootOrder } from '../../src/core/boot-disk.ts';
import { parseDiskEntry } from '../../src/core/disk-entries.ts';
import { parseDiskSize } from '../../src/core/disk-size.ts';

/** A template config as GET …/qemu/9100/config returns it on PVE 8. */
const TEMPLATE = {
  boot: 'order=scsi0;ide2;net0',
  cores: 2,
  digest: '4f0c3c5b0c8f7c3e2f5d1a9b8e7d6c5b4a3f2e1d',
  efidisk0: 'local-lvm:base-9100-disk-1,efitype=4m,pre-enrolled-keys=1,size=4M',
  ide0: 'local-lvm:vm-9100-cloudinit,media=cdrom',
  ide2: 'none,media=cdrom',
  memory: 2048,
  name: 'ubuntu-24-04',
  net0: 'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1',
  ostype: 'l26',
  scsi0: 'local-lvm:base-9100-disk-0,iothread=1,size=32G',
  scsihw: 'virtio-scsi-single',
  template: 1,
  tpmstate0: 'local-lvm:base-9100-disk-2,size=4M,version=v2.0',
};

const codes = (config: Record<string, string | number>) => inspectDisks(config).problems.map((p) => p.code);

describe('parseDiskSize', () => {
  it('reads Proxmox sizes in binary units', () => {
    expect(parseDiskSize('32G')).toBe(32 * 1024 ** 3);
    expect(parseDiskSize('512M')).toBe(512 * 1024 ** 2);
    expect(parseDiskSize('1T')).toBe(1024 ** 4);
    expect(parseDiskSize('100K')).toBe(102_400);
    expect(parseDiskSize('4.5G')).toBe(4.5 * 1024 ** 3);
    expect(parseDiskSize('1048576')).toBe(1_048_576);
    expect(parseDiskSize('0')).toBe(0);
    expect(parseDiskSize('abc')).toBeUndefined();
    expect(parseDiskSize('-1G')).toBeUndefined();
    expect(parseDiskSize('')).toBeUndefined();
  });
});

describe('parseDiskEntry', () => {
  it('tells disks, CD-ROMs, cloud-init and unused volumes apart', () => {
    expect(parseDiskEntry('scsi0', TEMPLATE.scsi0)).toMatchObject({
      bus: 'scsi',
      index: 0,
      volume: 'local-lvm:base-9100-disk-0',
      storage: 'local-lvm',
      sizeBytes: 32 * 1024 ** 3,
      isCdrom: false,
      isCloudInit: false,
      unused: false,
    });
    expect(parseDiskEntry('ide2', 'local:iso/ubuntu.iso,media=cdrom')).toMatchObject({
      isCdrom: true,
      storage: 'local',
    });
    expect(parseDiskEntry('ide0', TEMPLATE.ide0)).toMatchObject({ isCdrom: false, isCloudInit: true });
    expect(parseDiskEntry('scsi1', 'nfs:9100/vm-9100-cloudinit.qcow2,media=cdrom')).toMatchObject({
      isCloudInit: true,
    });
    expect(parseDiskEntry('unused0', 'local-lvm:vm-9100-disk-0')).toMatchObject({
      unused: true,
      bus: 'unused',
    });
    expect(parseDiskEntry('virtio1', 'file=ceph:vm-1-disk-1,size=8G')).toMatchObject({
      volume: 'ceph:vm-1-disk-1',
    });
    expect(parseDiskEntry('sata0', '/dev/disk/by-id/ata-X,size=1T')).not.toHaveProperty('storage');
  });

  it('ignores keys that are not drives or are out of range', () => {
    for (const key of [
      'scsi31',
      'ide4',
      'sata6',
      'virtio16',
      'efidisk1',
      'net0',
      'scsihw',
      'unused256',
      'scsi01',
    ]) {
      expect(parseDiskEntry(key, 'local-lvm:vm-1-disk-0,size=1G')).toBeUndefined();
    }
  });
});

describe('inspectDisks', () => {
  it('finds scsi0 first in the boot order of a realistic template, with no problems', () => {
    const r = inspectDisks(TEMPLATE);
    expect(r.bootDisk).toEqual({ key: 'scsi0', volume: 'local-lvm:base-9100-disk-0' });
    expect(r.problems).toEqual([]);
    expect(r.bootOrder).toEqual({ source: 'order', keys: ['scsi0', 'ide2', 'net0'] });
  });

  it('prefers the boot order over bus order', () => {
    const c = {
      scsi0: 'local-lvm:vm-1-disk-0,size=1G',
      virtio0: 'local-lvm:vm-1-disk-1,size=8G',
      boot: 'order=virtio0',
    };
    expect(findBootDisk(c)?.key).toBe('virtio0');
  });

  it('uses the legacy bootdisk, and falls back to bus order scsi, virtio, sata, ide', () => {
    expect(findBootDisk({ bootdisk: 'sata1', sata0: 'a:1,size=1G', sata1: 'a:2,size=1G' })?.key).toBe(
      'sata1',
    );
    expect(findBootDisk({ ide0: 'a:1,size=1G', sata2: 'a:2,size=1G', virtio3: 'a:3,size=1G' })?.key).toBe(
      'virtio3',
    );
    expect(findBootDisk({ scsi10: 'a:10,size=1G', scsi2: 'a:2,size=1G' })?.key).toBe('scsi2');
    expect(findBootDisk({ ide0: 'a:1,size=1G' })?.key).toBe('ide0');
    expect(codes({ ide0: 'a:1,size=1G' })).toEqual([]);
  });

  it('does not take a CD-ROM, a cloud-init drive, an EFI disk or TPM state for a boot disk', () => {
    const c = {
      ide2: 'local:iso/x.iso,media=cdrom',
      ide0: 'local-lvm:vm-9000-cloudinit,media=cdrom',
      efidisk0: 'local-lvm:vm-9000-disk-1,size=4M',
      tpmstate0: 'local-lvm:vm-9000-disk-2,size=4M',
      boot: 'order=ide2;ide0;net0',
    };
    expect(findBootDisk(c)).toBeUndefined();
    expect(codes(c)).toEqual(['no-disk']);
  });

  it('reports a disk left only in unused0', () => {
    const c = { boot: 'order=scsi0;net0', unused0: 'local-lvm:vm-112-disk-0', template: 1 };
    const r = inspectDisks(c);
    expect(r.bootDisk).toBeUndefined();
    expect(r.problems).toEqual([
      {
        code: 'disk-only-unused',
        severity: 'error',
        key: 'unused0',
        message: 'no boot disk: the disk is only in unused0 (local-lvm:vm-112-disk-0)',
      },
    ]);
  });

  it('reports an empty boot order and one that misses the disk', () => {
    expect(codes({ scsi0: 'a:1,size=1G', boot: 'order=' })).toEqual(['boot-order-empty']);
    expect(codes({ scsi0: 'a:1,size=1G', boot: '' })).toEqual(['boot-order-empty']);
    expect(
      codes({ scsi0: 'a:1,size=1G', boot: 'order=net0', net0: 'virtio=AA:BB:CC:DD:EE:FF,bridge=vmbr0' }),
    ).toEqual(['boot-order-no-disk']);
    expect(codes({ scsi0: 'a:1,size=1G', boot: 'order=virtio0' })).toEqual([
      'boot-order-missing-key',
      'boot-order-no-disk',
    ]);
    expect(codes({ scsi0: 'a:1,size=1G', boot: 'n', bootdisk: 'scsi0' })).toEqual(['boot-order-no-disk']);
    expect(codes({ scsi0: 'a:1,size=1G', boot: 'cdn', bootdisk: 'scsi0' })).toEqual([]);
    expect(codes({ scsi0: 'a:1,size=1G', bootdisk: 'virtio0' })).toEqual([
      'boot-order-missing-key',
      'boot-order-no-disk',
    ]);
  });

  it('warns when something that boots comes before the disk, not for an empty CD-ROM', () => {
    const base = {
      scsi0: 'a:1,size=1G',
      net0: 'virtio=AA:BB:CC:DD:EE:FF,bridge=vmbr0',
      ide2: 'none,media=cdrom',
    };
    expect(codes({ ...base, boot: 'order=ide2;scsi0' })).toEqual([]);
    expect(codes({ ...base, boot: 'order=net0;scsi0' })).toEqual(['boot-disk-not-first']);
    expect(codes({ ...base, ide2: 'local:iso/x.iso,media=cdrom', boot: 'order=ide2;scsi0' })).toEqual([
      'boot-disk-not-first',
    ]);
  });

  it('reports 0-byte disks', () => {
    expect(inspectDisks({ scsi0: 'local-lvm:base-9000-disk-0,size=0' }).problems[0]).toMatchObject({
      code: 'zero-size-disk',
      severity: 'error',
      key: 'scsi0',
    });
  });

  it('survives odd values', () => {
    expect(inspectDisks({}).problems.map((p) => p.code)).toEqual(['no-disk']);
    expect(findBootDisk({ scsi0: '', scsi1: 'none', scsi2: 12 as unknown as string })?.key).toBe('scsi2');
    expect(findBootDisk({ scsi0: ',,,=,size=' })).toBeUndefined();
  });
});

describe('clonedDriveKeys', () => {
  it('lists the drives Proxmox copies in its lexical log order', () => {
    expect(
      clonedDriveKeys({ ...TEMPLATE, scsi10: 'a:2,size=1G', scsi2: 'a:3,size=1G', unused0: 'a:4' }),
    ).toEqual(['efidisk0', 'ide0', 'scsi0', 'scsi10', 'scsi2', 'tpmstate0']);
  });

  it('parses legacy boot orders', () => {
    expect(parseBootOrder({ boot: 'legacy=cdn', bootdisk: 'scsi0' })).toEqual({
      source: 'legacy',
      keys: ['scsi0'],
    });
    expect(parseBootOrder({})).toEqual({ source: 'default', keys: [] });
  });
});
