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

describe('classifyCloneError: advice', () => {
  it("a pool that does not exist names the pool and says how to pick one (Proxmox's 500 or 403 wording)", () => {
    for (const e of [
      { status: 500, message: "pool 'nope' does not exist" },
      { status: 403, message: "Permission check failed (pool 'nope' does not exist)" },
    ]) {
      expect(classifyCloneError(e)).toEqual({
        reason: 'invalid-request',
        summary: 'Pool nope does not exist in this cluster',
        advice: [
          'pick an existing pool (Datacenter → Permissions → Pools) or leave out `pool`; nothing was created',
        ],
        retry: 'no',
      });
    }
  });

  it('a refused token (401) gets credential advice, a missing privilege (403) gets the privilege', () => {
    const token = classifyCloneError({ status: 401, message: 'invalid token value!' });
    expect(token.advice.join('\n')).toMatch(/PROXMOX_TOKEN_ID and PROXMOX_TOKEN_SECRET/);
    expect(token.advice.join('\n')).toMatch(/not expired/);
    expect(token.advice.join('\n')).not.toMatch(/grant/);
    expect(
      classifyCloneError({ status: 403, message: 'Permission check failed (/vms/9000, VM.Clone)' }).advice,
    ).toEqual(["grant VM.Clone on /vms/9000 to the bot's API token (Datacenter → Permissions)"]);
  });

  it("an unknown refusal quotes Proxmox's message and says nothing was created", () => {
    const c = classifyCloneError({ status: 500, message: 'something new\n' });
    expect(c).toMatchObject({
      reason: 'clone-rejected',
      summary: 'Proxmox refused the clone: something new',
    });
    expect(c.advice).toEqual([
      'Proxmox said: "something new"; nothing was created',
      'check the request (template, node, storage, pool, target) against that message and try again',
    ]);
  });
});
