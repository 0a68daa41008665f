import type { CloneFailure, CloneSuccess, FailureReason } from '../../src/core/types.ts';
import type { NewRequestInput } from '../../src/requests/types.ts';

/** A request as /clone stores it (pending unless told). */
export function newRequest(overrides: Partial<NewRequestInput> = {}): NewRequestInput {
  return {
    request: { template: { kind: 'vmid', vmid: 112 }, name: 'web-1', node: 'pve1', mode: 'full' },
    text: '112 as web-1 on pve1',
    requester: { userId: 'U0REQUESTER' },
    channelId: 'C0CLONES',
    status: 'pending',
    ...overrides,
  };
}

export const success: CloneSuccess = {
  ok: true,
  vmid: 140,
  name: 'web-1',
  node: 'pve1',
  mode: 'full',
  templateVmid: 112,
  bootDisk: 'scsi0',
  durationMs: 20_000,
  upid: 'UPID:pve1:00001234:00005678:6750A000:qmclone:112:root@pam!bot:',
};

export function failure(reason: FailureReason = 'task-failed'): CloneFailure {
  return { ok: false, durationMs: 1000, diagnosis: { reason, summary: `it ${reason}`, advice: [] } };
}
