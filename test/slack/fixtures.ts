import type { CloneFailure, CloneProgress, CloneSuccess } from '../../src/core/types.ts';
import type { CloneRequestRecord } from '../../src/requests/types.ts';

/** Fixed times keep snapshots stable. */
export const T0 = Date.UTC(2025, 5, 2, 9, 30, 0);

/** A pending request for `/clone 112 as test-clone on pve1 full storage local-lvm pool lab`. */
export function sampleRecord(patch: Partial<CloneRequestRecord> = {}): CloneRequestRecord {
  return {
    id: 'cr-abcd2345',
    request: {
      template: { kind: 'vmid', vmid: 112 },
      name: 'test-clone',
      node: 'pve1',
      mode: 'full',
      storage: 'local-lvm',
      pool: 'lab',
    },
    text: '112 as test-clone on pve1 full storage local-lvm pool lab',
    requester: { userId: 'U0REQUESTER', userName: 'riley' },
    channelId: 'C0CLONES',
    messageTs: '1748856600.000100',
    status: 'pending',
    createdAt: T0,
    expiresAt: T0 + 86_400_000,
    ...patch,
  };
}

/** Mid-copy progress with bytes and an ETA. */
export const sampleProgress: CloneProgress = {
  phase: 'cloning',
  elapsedMs: 95_000,
  timeoutMs: 900_000,
  newVmid: 200,
  upid: 'UPID:pve1:0000C0DE:00ABCDEF:683D6F00:qmclone:112:clonebot@pve!slack:',
  disk: 'scsi0',
  diskIndex: 1,
  diskCount: 1,
  percent: 42.7,
  bytesDone: 14_670_000_000,
  bytesTotal: 34_359_738_368,
  etaMs: 127_000,
  message: 'VM 200 still cloning... (95s / 900s)',
};

/** A full clone that worked. */
export const sampleSuccess: CloneSuccess = {
  ok: true,
  vmid: 200,
  name: 'test-clone',
  node: 'pve1',
  mode: 'full',
  storage: 'local-lvm',
  pool: 'lab',
  templateVmid: 112,
  bootDisk: 'scsi0',
  durationMs: 252_000,
  upid: sampleProgress.upid as string,
};

/** A clone that failed mid-copy and left a VM behind; `logLines` makes the evidence as large as wanted. */
export function sampleFailure(logLines = 6, lineLength = 60): CloneFailure {
  const log = Array.from(
    { length: logLines },
    (_, i) => `transferred ${i} GiB of 32 GiB (${i}%) <${'x'.repeat(Math.max(0, lineLength - 40))}>`,
  );
  log.push(
    "TASK ERROR: clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
  );
  return {
    ok: false,
    diagnosis: {
      reason: 'storage-lock-timeout',
      summary:
        "Clone of template 112 failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
      advice: [
        'pve-clonebot tried 4 times with growing pauses; each time Proxmox removed the partial VM',
        'if it keeps happening, check what is creating or deleting disks on local-lvm (backups, other clones, a slow storage server)',
      ],
      taskExitStatus:
        "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
      taskLogTail: log,
      newVmConfig: {
        name: 'test-clone',
        lock: 'clone',
        cipassword: 'hunter2-hash',
        scsi0: 'local-lvm:vm-200-disk-0,size=32G',
      },
      templateCheck: 'boot disk scsi0 (32 GiB)',
      storage: 'local-lvm: active, 120.0 GiB free',
      leftover: { vmid: 200, node: 'pve1', lock: 'clone' },
    },
    templateVmid: 112,
    vmid: 200,
    upid: sampleProgress.upid as string,
    durationMs: 61_000,
  };
}
