import { describe, expect, it } from 'vitest';
import { classifyCloneError } from '../../src/core/clone-error.ts';

describe('classifyCloneError: storage on the target node', () => {
  it("storage 'x' is not available on node 'y' → storage-invalid, naming both, no retry", () => {
    const c = classifyCloneError({
      status: 500,
      message: "storage 'ceph-ssd' is not available on node 'pve2'",
    });
    expect(c).toMatchObject({ reason: 'storage-invalid', retry: 'no' });
    expect(c.summary).toBe('Storage ceph-ssd is not available on node pve2');
    expect(c.advice.join(' ')).toMatch(/add pve2 to the nodes of ceph-ssd/);
  });

  it("storage 'x' does not exist → storage-invalid", () => {
    expect(classifyCloneError({ status: 500, message: "storage 'nope' does not exist" }).reason).toBe(
      'storage-invalid',
    );
  });

  it('a 595 from an unreachable node → node-offline, no retry', () => {
    expect(classifyCloneError({ status: 595, message: 'No route to host' })).toMatchObject({
      reason: 'node-offline',
      retry: 'no',
    });
  });
});
