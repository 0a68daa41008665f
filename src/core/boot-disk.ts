import { type DiskEntry, isBootCapable, listDiskEntries } from './disk-entries.ts';
import { formatBytes } from './format.ts';

/** What is wrong with a config's disks, as facts; fixes are worded by the health rules. */
export type DiskProblemCode =
  | 'no-disk'
  | 'disk-only-unused'
  | 'zero-size-disk'
  | 'boot-order-empty'
  | 'boot-order-no-disk'
  | 'boot-order-missing-key'
  | 'boot-disk-not-first';

export interface DiskProblem {
  code: DiskProblemCode;
  /** error: clones fail or do not boot; warning: works, needs a look. */
  severity: 'error' | 'warning';
  key?: string;
  message: string;
}

/** The boot order as configured: `order=…` (PVE ≥ 6.2), legacy `bootdisk`, or none (Proxmox's default). */
export interface BootOrder {
  source: 'order' | 'legacy' | 'default';
  keys: string[];
}

export interface DiskInspection {
  disks: DiskEntry[];
  bootDisk?: { key: string; volume: string };
  bootOrder: BootOrder;
  problems: DiskProblem[];
}

const BUS_RANK = { scsi: 0, virtio: 1, sata: 2, ide: 3, efidisk: 4, tpmstate: 5, unused: 6 } as const;

/** Reads `boot` / `bootdisk` into the ordered list of device keys Proxmox tries. */
export function parseBootOrder(config: Record<string, string | number>): BootOrder {
  const boot = config.boot === undefined ? undefined : String(config.boot);
  const bootdisk = config.bootdisk === undefined ? undefined : String(config.bootdisk).trim();
  if (boot !== undefined) {
    const order = boot.split(',').find((p) => p.trim().startsWith('order='));
    if (order !== undefined || boot.trim() === '') {
      const list = (order ?? '').trim().slice('order='.length);
      return {
        source: 'order',
        keys: list
          .split(';')
          .map((k) => k.trim())
          .filter((k) => k !== ''),
      };
    }
    // Legacy letters (c = disk, d = CD-ROM, n = network): only `c` boots the `bootdisk`.
    const letters = boot.replace(/^legacy=/, '').trim();
    return { source: 'legacy', keys: letters.includes('c') && bootdisk ? [bootdisk] : [] };
  }
  return bootdisk ? { source: 'legacy', keys: [bootdisk] } : { source: 'default', keys: [] };
}

/**
 * Every disk of a config, the boot disk (first real disk in the boot order, else the first real disk by
 * bus order scsi, virtio, sata, ide) and what is wrong: no disk, disk only in `unusedN`, 0-byte disk,
 * an empty boot order or one that misses the disk.
 */
export function inspectDisks(config: Record<string, string | number>): DiskInspection {
  const disks = listDiskEntries(config);
  const bootOrder = parseBootOrder(config);
  const real = disks
    .filter(isBootCapable)
    .sort((a, b) => BUS_RANK[a.bus] - BUS_RANK[b.bus] || a.index - b.index);
  const byKey = new Map(disks.map((d) => [d.key, d]));
  const inOrder = bootOrder.keys.map((k) => byKey.get(k)).find((d) => d !== undefined && isBootCapable(d));
  const boot = inOrder ?? real[0];
  const problems: DiskProblem[] = [];
  const result: DiskInspection = { disks, bootOrder, problems };
  if (boot) result.bootDisk = { key: boot.key, volume: boot.volume };

  if (real.length === 0) {
    const unused = disks.filter((d) => d.unused);
    if (unused.length > 0) {
      const where = unused.map((d) => `${d.key} (${d.volume})`).join(', ');
      problems.push({
        code: 'disk-only-unused',
        severity: 'error',
        key: unused[0]?.key as string,
        message: `no boot disk: the disk is only in ${where}`,
      });
    } else {
      problems.push({
        code: 'no-disk',
        severity: 'error',
        message: 'no boot disk: no disk on scsi, virtio, sata or ide',
      });
    }
    return result;
  }
  for (const d of real) {
    if (d.sizeBytes === 0) {
      problems.push({
        code: 'zero-size-disk',
        severity: 'error',
        key: d.key,
        message: `disk ${d.key} (${d.volume}) is 0 bytes`,
      });
    }
  }
  problems.push(...bootOrderProblems(config, bootOrder, byKey, boot as DiskEntry, inOrder !== undefined));
  return result;
}

function bootOrderProblems(
  config: Record<string, string | number>,
  order: BootOrder,
  byKey: Map<string, DiskEntry>,
  boot: DiskEntry,
  bootInOrder: boolean,
): DiskProblem[] {
  const problems: DiskProblem[] = [];
  for (const key of order.keys) {
    if (config[key] === undefined) {
      problems.push({
        code: 'boot-order-missing-key',
        severity: 'warning',
        key,
        message: `boot order names ${key}, which the config does not have`,
      });
    }
  }
  if (order.source === 'default') return problems;
  if (order.source === 'order' && order.keys.length === 0) {
    problems.push({
      code: 'boot-order-empty',
      severity: 'warning',
      message: `boot order is empty: clones will not boot from ${boot.key}`,
    });
  } else if (!bootInOrder) {
    problems.push({
      code: 'boot-order-no-disk',
      severity: 'warning',
      message: `boot order (${order.keys.join(';')}) does not include a disk: clones will not boot from ${boot.key}`,
    });
  } else {
    const before = order.keys
      .slice(0, order.keys.indexOf(boot.key))
      .filter((k) => bootsFirst(k, byKey, config));
    if (before.length > 0) {
      problems.push({
        code: 'boot-disk-not-first',
        severity: 'warning',
        key: boot.key,
        message: `boot disk ${boot.key} is not first in the boot order (${order.keys.join(';')}): ${before.join(', ')} boots first`,
      });
    }
  }
  return problems;
}

/** Whether a boot-order entry ahead of the disk would actually boot (an empty CD-ROM or cloud-init does not). */
function bootsFirst(
  key: string,
  byKey: Map<string, DiskEntry>,
  config: Record<string, string | number>,
): boolean {
  const d = byKey.get(key);
  if (d) return !d.isCloudInit && d.volume !== 'none' && d.volume !== '';
  return /^net\d+$/.test(key) && config[key] !== undefined;
}

/** The boot disk of a config (see inspectDisks), or undefined when it has none. */
export function findBootDisk(
  config: Record<string, string | number>,
): { key: string; volume: string } | undefined {
  return inspectDisks(config).bootDisk;
}

/** Drives Proxmox copies on clone, in the lexical key order it logs them (CD-ROMs and `unusedN` are not copied). */
export function clonedDriveKeys(config: Record<string, string | number>): string[] {
  return listDiskEntries(config)
    .filter((d) => !d.unused && !d.isCdrom && d.volume !== 'none' && d.volume !== '')
    .map((d) => d.key)
    .sort();
}

/** `scsi0 (local-lvm:base-9000-disk-0, 32.0 GiB)` for reports. */
export function describeDisk(d: DiskEntry): string {
  return d.sizeBytes === undefined
    ? `${d.key} (${d.volume})`
    : `${d.key} (${d.volume}, ${formatBytes(d.sizeBytes)})`;
}
