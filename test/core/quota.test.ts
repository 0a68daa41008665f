import { describe, expect, test } from 'vitest';
import { checkQuota, countQuotaUse } from '../../src/core/quota.ts';

const GiB = 1024 ** 3;

describe('quota use: VMs of the requester plus their requests in flight', () => {
  test('a request in flight counts once: by itself until its VM exists, then as that VM', () => {
    const vms = [
      { requestId: 'cr-aaaaaaaa', diskBytes: 32 * GiB },
      { requestId: 'cli-xyz', diskBytes: 8 * GiB },
    ];
    const open = [
      // Cloning, its VM already made and tagged: the VM counts, not the request as well.
      { id: 'cr-aaaaaaaa', diskBytes: 32 * GiB },
      { id: 'cr-bbbbbbbb', diskBytes: 32 * GiB },
      { id: 'cr-cccccccc', diskBytes: 20 * GiB },
    ];
    expect(countQuotaUse(vms, open)).toEqual({
      vms: 2,
      diskBytes: 40 * GiB,
      inFlight: 2,
      inFlightDiskBytes: 52 * GiB,
    });
    // The request being approved is the new clone, not use.
    expect(countQuotaUse(vms, open, 'cr-cccccccc')).toMatchObject({
      inFlight: 1,
      inFlightDiskBytes: 32 * GiB,
    });
    expect(countQuotaUse([], [])).toEqual({ vms: 0, diskBytes: 0, inFlight: 0, inFlightDiskBytes: 0 });
  });

  test('requests in flight count toward the VM limit, with the use shown', () => {
    const two = countQuotaUse(
      [],
      [
        { id: 'cr-aaaaaaaa', diskBytes: 32 * GiB },
        { id: 'cr-bbbbbbbb', diskBytes: 32 * GiB },
      ],
    );
    expect(checkQuota({ quota: { vms: 2 } }, two, 32 * GiB)).toBe(
      'Quota: you have 0 VMs using 0 GiB and 2 requests in flight (64 GiB), and the limit is 2 VMs: delete one first (/clone list, /clone delete <vm>) or cancel a request (/clone status, /clone cancel <request-id>)',
    );
    expect(checkQuota({ quota: { vms: 3 } }, two, 32 * GiB)).toBeUndefined();
  });

  test('requests in flight count toward the disk limit with their templates’ disks', () => {
    const use = countQuotaUse(
      [{ requestId: 'cr-aaaaaaaa', diskBytes: 40 * GiB }],
      [{ id: 'cr-bbbbbbbb', diskBytes: 32 * GiB }],
    );
    expect(checkQuota({ quota: { diskGiB: 100 } }, use, 32 * GiB)).toBe(
      'Quota: you have 1 VM using 40 GiB and 1 request in flight (32 GiB); this clone adds 32 GiB, past the limit of 100 GiB: delete a VM first (/clone list) or cancel a request (/clone status, /clone cancel <request-id>)',
    );
    expect(checkQuota({ quota: { diskGiB: 104 } }, use, 32 * GiB)).toBeUndefined();
    // Told to an approver: whose use it is.
    expect(checkQuota({ quota: { vms: 2 } }, use, 32 * GiB, { holder: '<@U1> has' })).toMatch(
      /^Quota: <@U1> has 1 VM using 40 GiB and 1 request in flight/,
    );
  });
});
