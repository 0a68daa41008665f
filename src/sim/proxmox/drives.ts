/** Drive keys that hold volumes (unusedN excluded: those are dropped by a clone). */
const DRIVE_KEY = /^(ide([0-3])|sata([0-5])|scsi(\d|[12]\d|30)|virtio(\d|1[0-5])|efidisk0|tpmstate0)$/;
const UNUSED_KEY = /^unused\d+$/;
const CLOUDINIT = /[:/](vm-\d+-)?cloudinit(\.\w+)?$/;
const SIZE = /^(\d+(?:\.\d+)?)([KMGT]?)$/;

/** A parsed drive value such as `local-lvm:base-112-disk-0,discard=on,size=32G`. */
export interface SimDrive {
  key: string;
  /** `local-lvm:base-112-disk-0`, `none`, `local:iso/x.iso` */
  volid: string;
  /** undefined for `none` and absolute paths */
  storage?: string;
  volname?: string;
  options: [string, string][];
  cdrom: boolean;
  cloudinit: boolean;
  size: number;
}

/** True for ideN/sataN/scsiN/virtioN/efidisk0/tpmstate0. */
export function isDriveKey(key: string): boolean {
  return DRIVE_KEY.test(key);
}

/** True for unusedN. */
export function isUnusedKey(key: string): boolean {
  return UNUSED_KEY.test(key);
}

/** `32G` → bytes (Proxmox size units are binary). */
export function parseSize(text: string | undefined): number {
  const m = text ? SIZE.exec(text) : null;
  if (!m) return 0;
  const exp = { '': 0, K: 1, M: 2, G: 3, T: 4 }[m[2] as 'K'] ?? 0;
  return Math.round(Number(m[1]) * 1024 ** exp);
}

/** bytes → `32G` / `1M` / `512K` (as Proxmox writes `size=` in configs). */
export function formatSize(bytes: number): string {
  for (const [unit, exp] of [
    ['T', 4],
    ['G', 3],
    ['M', 2],
    ['K', 1],
  ] as const) {
    if (bytes >= 1024 ** exp && bytes % 1024 ** exp === 0) return `${bytes / 1024 ** exp}${unit}`;
  }
  return String(bytes);
}

/** Parses a drive (or unusedN) config value. */
export function parseDrive(key: string, value: string): SimDrive {
  const [volid = '', ...rest] = value.split(',');
  const options = rest.map((o): [string, string] => {
    const i = o.indexOf('=');
    return i < 0 ? [o, ''] : [o.slice(0, i), o.slice(i + 1)];
  });
  const colon = volid.indexOf(':');
  const drive: SimDrive = {
    key,
    volid,
    options,
    cdrom: options.some(([k, v]) => k === 'media' && v === 'cdrom'),
    cloudinit: CLOUDINIT.test(volid),
    size: parseSize(options.find(([k]) => k === 'size')?.[1]),
  };
  if (colon > 0) {
    drive.storage = volid.slice(0, colon);
    drive.volname = volid.slice(colon + 1);
  }
  return drive;
}

/** Writes a drive value back with a new volid (and size), keeping the other options in order. */
export function formatDrive(drive: SimDrive, volid: string): string {
  const opts = drive.options.map(([k, v]) => (v === '' ? k : `${k}=${v}`));
  return [volid, ...opts].join(',');
}

/** The drives a clone copies, in the lexical key order Proxmox uses; CD-ROMs (not cloud-init) are kept as they are. */
export function drivesToCopy(config: Record<string, string | number>): SimDrive[] {
  return Object.keys(config)
    .filter(isDriveKey)
    .sort()
    .map((key) => parseDrive(key, String(config[key])))
    .filter((d) => (!d.cdrom || d.cloudinit) && d.storage !== undefined);
}
