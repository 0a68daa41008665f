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
    ).toEqual([
      "grant VM.Clone on /vms/9000 to the bot's API token and to its user (a privilege-separated token has only what both have): Datacenter → Permissions",
      'it is what allows cloning that template',
    ]);
  });

  // What Proxmox really says (qemu-server clone_vm's permission check; pve-access-control RPCEnvironment).
  it('a bare `Permission check failed` is VM.Allocate on the new VMID (or the pool), named for this clone', () => {
    const c = classifyCloneError(
      { status: 403, message: 'Permission check failed\n' },
      { newid: 4242, pool: 'lab' },
    );
    expect(c.reason).toBe('permission-denied');
    expect(c.summary).toBe(
      'Proxmox refused to create the new VM: the bot lacks VM.Allocate on /vms/4242 and on /pool/lab (Proxmox names no path when neither passes)',
    );
    expect(c.advice[0]).toMatch(
      /^grant VM\.Allocate on \/vms \(or on \/vms\/4242\) to the bot's API token and to its user/,
    );
    expect(classifyCloneError({ status: 403, message: 'Permission check failed' }).summary).toContain(
      'VM.Allocate on /vms/<new VMID> (',
    );
  });

  it('Datastore.AllocateSpace and SDN.Use say where Proxmox checks them', () => {
    const ds = classifyCloneError({
      status: 403,
      message: 'Permission check failed (/storage/ceph, Datastore.AllocateSpace)',
    });
    expect(ds.summary).toBe("The bot's Proxmox user lacks Datastore.AllocateSpace on /storage/ceph");
    expect(ds.advice[1]).toMatch(/each template disk’s own storage \(always so for a linked clone\)/);
    const sdn = classifyCloneError({
      status: 403,
      message: 'Permission check failed (/sdn/zones/localnetwork/vmbr0/20, SDN.Use)',
    });
    expect(sdn.advice[1]).toBe(
      "the template's network device uses bridge vmbr0 with VLAN tag 20 (zone localnetwork); Proxmox checks SDN.Use on it before cloning",
    );
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
