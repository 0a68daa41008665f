import { type DiskInspection, inspectDisks } from './boot-disk.ts';
import { formatBytes, formatDuration } from './format.ts';
import type { Finding, FindingCode, Severity } from './health-types.ts';
import type { StorageInfo } from './storage-types.ts';
import type { VmConfig } from './vm-types.ts';

/** Which template a finding is about, for ids and fixes. `base` makes fixes say "recreate … from base N". */
export interface TemplateSubject {
  vmid?: number;
  node?: string;
  base?: number;
}

/** `template 9205 on pve2`. */
export const templateLabel = (s: TemplateSubject) =>
  `template ${s.vmid ?? '?'}${s.node ? ` on ${s.node}` : ''}`;
const recreate = (s: TemplateSubject) =>
  `recreate ${templateLabel(s)}${s.base === undefined ? '' : ` from base ${s.base}`}`;

/** Builds a Finding with its stable id. */
export function finding(
  s: TemplateSubject,
  severity: Severity,
  code: FindingCode,
  message: string,
  fix: string,
  extra = '',
): Finding {
  const f: Finding = {
    id: [s.node ?? '-', s.vmid ?? '-', code, extra].filter((p) => p !== '').join('/'),
    severity,
    code,
    message,
    fix,
  };
  if (s.node !== undefined) f.node = s.node;
  if (s.vmid !== undefined) f.vmid = s.vmid;
  if (s.base !== undefined) f.base = s.base;
  return f;
}

/** Disk rules (boot disk, unusedN, 0 bytes, boot order) as findings with fixes. */
export function diskFindings(
  config: VmConfig,
  s: TemplateSubject,
  inspection = inspectDisks(config),
): Finding[] {
  const id = s.vmid ?? '<vmid>';
  const boot = inspection.bootDisk?.key;
  const slot =
    inspection.bootOrder.keys.find((k) => /^(scsi|virtio|sata|ide)\d+$/.test(k) && config[k] === undefined) ??
    'scsi0';
  const order =
    boot === undefined
      ? ''
      : [boot, ...inspection.bootOrder.keys.filter((k) => k !== boot && config[k] !== undefined)].join(';');
  const setOrder = `qm set ${id} --boot 'order=${order}'`;
  return inspection.problems.map((p) => {
    const msg = `${templateLabel(s)}: ${p.message}`;
    switch (p.code) {
      case 'no-disk':
        return finding(s, 'error', p.code, msg, `${recreate(s)}: disk ${slot} missing`);
      case 'disk-only-unused': {
        const unused = inspection.disks.find((d) => d.key === p.key);
        return finding(
          s,
          'error',
          p.code,
          msg,
          `move the disk from ${p.key} back: qm set ${id} --${slot} ${unused?.volume ?? '<volume>'} && qm set ${id} --boot order=${slot}; or ${recreate(s)}`,
        );
      }
      case 'zero-size-disk':
        return finding(s, 'error', p.code, msg, `${recreate(s)}: disk ${p.key} is 0 bytes`, p.key);
      case 'boot-order-missing-key':
        return finding(s, 'warning', p.code, msg, `drop ${p.key} from the boot order: ${setOrder}`, p.key);
      default:
        return finding(s, 'warning', p.code, msg, `put the boot disk first: ${setOrder}`);
    }
  });
}

/** The lock rule: none, busy (younger than the threshold or age unknown), or stuck with its kind. */
export function lockFindings(
  lock: string | undefined,
  ageMs: number | undefined,
  stuckMs: number,
  s: TemplateSubject,
): Finding[] {
  if (lock === undefined || lock === '') return [];
  const node = s.node ?? 'its node';
  if (ageMs !== undefined && ageMs >= stuckMs) {
    return [
      finding(
        s,
        'error',
        'lock-stuck',
        `${templateLabel(s)} has been locked (${lock}) for ${formatDuration(ageMs)}: the lock looks stuck`,
        `look for a running ${lock} task on ${node} in Datacenter → Tasks; only if none is running, remove the lock with qm unlock ${s.vmid ?? '<vmid>'}`,
      ),
    ];
  }
  const age = ageMs === undefined ? '' : ` for ${formatDuration(ageMs)}`;
  return [
    finding(
      s,
      'info',
      'lock-busy',
      `${templateLabel(s)} is locked (${lock})${age}: clones wait until it ends`,
      `nothing to do unless the lock stays: then check Datacenter → Tasks on ${node}`,
    ),
  ];
}

/** Storage rules: each disk's storage exists on the node, is enabled and active, and has room for a full clone. */
export function storageFindings(
  inspection: DiskInspection,
  storages: readonly StorageInfo[],
  s: TemplateSubject,
): Finding[] {
  const need = new Map<string, { bytes: number; keys: string[] }>();
  for (const d of inspection.disks) {
    if (d.unused || d.isCdrom || d.storage === undefined) continue;
    const entry = need.get(d.storage) ?? { bytes: 0, keys: [] };
    entry.bytes += d.isCloudInit ? 0 : (d.sizeBytes ?? 0);
    entry.keys.push(d.key);
    need.set(d.storage, entry);
  }
  const out: Finding[] = [];
  const node = s.node ?? 'the node';
  for (const [id, { bytes, keys }] of need) {
    const st = storages.find((x) => x.storage === id);
    const disks = keys.join(', ');
    // Proxmox lists a storage limited to other nodes with `enabled: 0`, like a disabled one: that is "not on
    // this node", not "disabled". With no reason known (storage.cfg unreadable), say both.
    const notHere = !st || st.unavailable?.reason === 'not-on-node';
    if (notHere) {
      out.push(
        finding(
          s,
          'error',
          'storage-missing',
          `${templateLabel(s)}: storage ${id} of ${disks} is not available on ${node}`,
          `add storage ${id} to ${node} (Datacenter → Storage → ${id} → Nodes) or ${recreate(s)} on a storage ${node} has`,
          id,
        ),
      );
    } else if (!st.enabled) {
      const known = st.unavailable?.reason === 'disabled';
      out.push(
        finding(
          s,
          'error',
          'storage-disabled',
          known
            ? `${templateLabel(s)}: storage ${id} of ${disks} is disabled`
            : `${templateLabel(s)}: storage ${id} of ${disks} is not enabled on ${node} (disabled, or not configured for ${node})`,
          known
            ? `enable storage ${id} (Datacenter → Storage → ${id} → Enable)`
            : `check storage ${id} under Datacenter → Storage: enable it, or add ${node} to its Nodes`,
          id,
        ),
      );
    } else if (!st.active) {
      out.push(
        finding(
          s,
          'error',
          'storage-inactive',
          `${templateLabel(s)}: storage ${id} of ${disks} is not active on ${node}`,
          `find out why ${id} is inactive on ${node} (pvesm status; mount, network or pool state)`,
          id,
        ),
      );
    } else if (st.avail !== undefined && bytes > 0 && st.avail < bytes) {
      out.push(
        finding(
          s,
          'warning',
          'storage-full',
          `${templateLabel(s)}: storage ${id} on ${node} has ${formatBytes(st.avail)} free; a full clone needs ${formatBytes(bytes)}`,
          `free space on ${id}, or clone with storage set to one that has room`,
          id,
        ),
      );
    }
  }
  return out;
}
