import { findBootDisk } from '../core/boot-disk.ts';
import type { ProxmoxClient } from '../proxmox/types.ts';

/**
 * The design note's check: whether the template's config has a boot disk (a real disk on scsi, virtio,
 * sata or ide, preferring the boot order; a disk only in `unusedN` does not count) and which key.
 */
export async function verifyTemplateHasDisk(
  proxmox: ProxmoxClient,
  node: string,
  templateVmid: number,
): Promise<{ hasDisk: boolean; diskKey?: string }> {
  const disk = findBootDisk(await proxmox.getVmConfig(node, templateVmid));
  return disk ? { hasDisk: true, diskKey: disk.key } : { hasDisk: false };
}
