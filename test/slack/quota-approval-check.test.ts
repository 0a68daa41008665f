import { describe, expect, it } from 'vitest';
import { vmDescription, vmTags } from '../../src/core/vm-record.ts';
import { createLogger } from '../../src/logger.ts';
import type { ClusterVm } from '../../src/proxmox/types.ts';
import { quotaApprovalCheck } from '../../src/slack/quota-approval-check.ts';
import { newRequest } from '../requests/lifecycle-fixtures.ts';
import { memoryRequestStore } from '../requests/memory-request-store.ts';
import { manualClock } from '../requests/redis-fixture.ts';

const GiB = 1024 ** 3;
const policy = { defaults: {}, templates: { '112': { quota: { vms: 2, diskGiB: 100 } } } };
const logger = createLogger('silent');

/** A cluster with template 112 (32 GiB) and `mine` VMs of U0REQUESTER made by the given requests. */
function cluster(mine: Record<number, string>) {
  const vms: ClusterVm[] = [
    { vmid: 112, node: 'pve1', name: 'ubuntu', status: 'stopped', template: true, maxdisk: 32 * GiB },
  ];
  const configs = new Map<number, Record<string, string>>();
  for (const [vmid, requestId] of Object.entries(mine)) {
    const o = { requestId, ownerId: 'U0REQUESTER', template: '112' };
    vms.push({ vmid: Number(vmid), node: 'pve1', status: 'running', template: false, tags: ['clonebot'] });
    configs.set(Number(vmid), {
      tags: vmTags(o),
      description: vmDescription(o),
      scsi0: `local-lvm:vm-${vmid}-disk-0,size=40G`,
    });
  }
  return {
    listClusterVms: async () => vms,
    getVmConfig: async (_node: string, vmid: number) => configs.get(vmid) ?? {},
  };
}

describe('the quota checked again at approval', () => {
  it('counts the VMs made since and the other requests in flight, not the one being approved, nor one twice', async () => {
    const store = memoryRequestStore(manualClock());
    const approving = await store.create({ ...newRequest(), templateVmid: 112 });
    const cloning = await store.create({ ...newRequest(), templateVmid: 112, status: 'approved' });
    // One VM of another request, and the VM the cloning request already made.
    const check = quotaApprovalCheck(
      { proxmox: cluster({ 500: 'cr-other', 501: cloning.id }), store },
      policy,
      logger,
    );
    expect(await check(approving)).toEqual({
      approver:
        'Not approved: it would put <@U0REQUESTER> over the quota. Quota: they have 2 VMs using 80 GiB, and the limit is 2 VMs: delete one first (/clone list, /clone delete &lt;vm&gt;). The request stays pending (nothing was queued); <@U0REQUESTER> was told in its thread.',
      requester:
        'Quota: you have 2 VMs using 80 GiB, and the limit is 2 VMs: delete one first (/clone list, /clone delete &lt;vm&gt;)',
    });
    const roomy = quotaApprovalCheck({ proxmox: cluster({ 500: 'cr-other' }), store }, policy, logger);
    await store.cancel(cloning.id, 'U0REQUESTER');
    expect(await roomy(approving)).toBeUndefined();
  });

  it('a template without a quota, or no policy file, reads nothing more; Proxmox not answering changes nothing', async () => {
    const store = memoryRequestStore(manualClock());
    const other = await store.create({ ...newRequest(), templateVmid: 9100 });
    const reads: string[] = [];
    const counting = {
      listClusterVms: async () => {
        reads.push('list');
        return [];
      },
      getVmConfig: async () => {
        reads.push('config');
        return {};
      },
    };
    expect(await quotaApprovalCheck({ proxmox: counting, store }, policy, logger)(other)).toBeUndefined();
    expect(await quotaApprovalCheck({ proxmox: counting, store }, undefined, logger)(other)).toBeUndefined();
    expect(reads).toEqual(['list']);
    const down = {
      listClusterVms: async () => Promise.reject(new Error('connect ECONNREFUSED')),
      getVmConfig: async () => ({}),
    };
    const approving = await store.create({ ...newRequest(), templateVmid: 112 });
    expect(await quotaApprovalCheck({ proxmox: down, store }, policy, logger)(approving)).toEqual({
      approver:
        "I could not check <@U0REQUESTER>'s quota with Proxmox just now: nothing changed, try again in a minute.",
    });
  });
});
