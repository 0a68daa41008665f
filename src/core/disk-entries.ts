import { parseDiskSize } from './disk-size.ts';

/** The buses Proxmox puts drives on; `unused` holds volumes detached from the VM. */
export type DiskBus = 'ide' | 'sata' | 'scsi' | 'virtio' | 'efidisk' | 'tpmstate' | 'unused';

/** One drive of a VM config (`scsi0: local-lvm:base-9000-disk-0,size=32G`). */
export interface DiskEntry {
  key: string;
  bus: DiskBus;
  index: number;
  /** `local-lvm:base-9000-disk-0`, `none`, `/dev/sdb`. */
  volume: string;
  /** The storage id before the colon; absent for `none` and pass-through paths. */
  storage?: string;
  sizeBytes?: number;
  /** A real CD-ROM (`media=cdrom`, not cloud-init). */
  isCdrom: boolean;
  isCloudInit: boolean;
  unused: boolean;
  options: Record<string, string>;
}

const MAX_INDEX: Record<DiskBus, number> = {
  ide: 3,
  sata: 5,
  scsi: 30,
  virtio: 15,
  efidisk: 0,
  tpmstate: 0,
  unused: 255,
};
const KEY = /^(ide|sata|scsi|virtio|efidisk|tpmstate|unused)(0|[1-9]\d{0,2})$/;
const CLOUD_INIT = /[:/](vm-\d+-)?cloudinit(\.[A-Za-z0-9]+)?$/;

/** Parses a drive key (`scsi0`) into bus and index; undefined for anything Proxmox does not treat as a drive. */
export function parseDiskKey(key: string): { bus: DiskBus; index: number } | undefined {
  const m = KEY.exec(key);
  if (!m) return undefined;
  const bus = m[1] as DiskBus;
  const index = Number(m[2]);
  return index <= MAX_INDEX[bus] ? { bus, index } : undefined;
}

/** Parses one drive value (`local-lvm:vm-100-disk-0,size=32G`, `file=…,media=cdrom`) into a DiskEntry. */
export function parseDiskEntry(key: string, value: string | number): DiskEntry | undefined {
  const parsedKey = parseDiskKey(key);
  if (!parsedKey) return undefined;
  const parts = String(value).split(',');
  const options: Record<string, string> = {};
  let volume = '';
  parts.forEach((part, i) => {
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (i === 0) volume = part.trim();
      return;
    }
    options[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim();
  });
  if (volume === '' && options.file !== undefined) volume = options.file;
  const colon = volume.indexOf(':');
  const storage = colon > 0 && !volume.startsWith('/') ? volume.slice(0, colon) : undefined;
  const isCloudInit = parsedKey.bus !== 'unused' && CLOUD_INIT.test(volume);
  const size = options.size === undefined ? undefined : parseDiskSize(options.size);
  return {
    key,
    ...parsedKey,
    volume,
    ...(storage === undefined ? {} : { storage }),
    ...(size === undefined ? {} : { sizeBytes: size }),
    isCdrom: options.media?.toLowerCase() === 'cdrom' && !isCloudInit,
    isCloudInit,
    unused: parsedKey.bus === 'unused',
    options,
  };
}

/** Every drive in a config, in the config's key order. */
export function listDiskEntries(config: Record<string, string | number>): DiskEntry[] {
  const out: DiskEntry[] = [];
  for (const [key, value] of Object.entries(config)) {
    const entry = parseDiskEntry(key, value);
    if (entry) out.push(entry);
  }
  return out;
}

/** A disk a VM can boot from: on scsi/virtio/sata/ide, not a CD-ROM, not cloud-init, not `unusedN`. */
export function isBootCapable(d: DiskEntry): boolean {
  return (
    (d.bus === 'scsi' || d.bus === 'virtio' || d.bus === 'sata' || d.bus === 'ide') &&
    !d.isCdrom &&
    !d.isCloudInit &&
    d.volume !== '' &&
    d.volume !== 'none'
  );
}
