import { describe, expect, it } from 'vitest';
import { classifyCloneError } from '../../src/core/clone-error.ts';
import { classifyTaskExit } from '../../src/core/task-outcome.ts';

describe('classifyTaskExit', () => {
  it('counts OK and WARNINGS: N as success', () => {
    expect(classifyTaskExit('OK')).toEqual({ ok: true, warnings: 0 });
    expect(classifyTaskExit('WARNINGS: 2')).toEqual({ ok: true, warnings: 2 });
    expect(classifyTaskExit('WARNINGS: x').ok).toBe(false);
  });

  it('recognises a storage lock timeout and names the storage', () => {
    expect(
      classifyTaskExit(
        "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
      ),
    ).toEqual({
      ok: false,
      kind: 'storage-lock-timeout',
      reason: 'storage-lock-timeout',
      message: "can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
      storage: 'local-lvm',
      retry: 'later',
    });
  });

  it('recognises the shared-storage wording of a storage lock timeout (pmxcfs cfs_lock_storage)', () => {
    expect(classifyTaskExit("clone failed: cfs-lock 'storage-ceph' error: got lock request timeout")).toEqual(
      {
        ok: false,
        kind: 'storage-lock-timeout',
        reason: 'storage-lock-timeout',
        message: "cfs-lock 'storage-ceph' error: got lock request timeout",
        storage: 'ceph',
        retry: 'later',
      },
    );
  });

  it('recognises a VMID clash, a stop and a dead worker', () => {
    expect(
      classifyTaskExit(
        "clone failed: close (rename) atomic file '/etc/pve/nodes/pve1/qemu-server/200.conf' failed: File exists",
      ),
    ).toMatchObject({ kind: 'vmid-clash', reason: 'vmid-taken', retry: 'new-vmid' });
    expect(
      classifyTaskExit('clone failed: unable to create VM 200: config file already exists'),
    ).toMatchObject({
      kind: 'vmid-clash',
    });
    expect(classifyTaskExit('clone failed: interrupted by signal')).toMatchObject({
      kind: 'cancelled',
      reason: 'cancelled',
    });
    expect(classifyTaskExit('unexpected status')).toMatchObject({
      kind: 'task-failed',
      message: 'unexpected status',
      retry: 'no',
    });
  });

  it('keeps other errors as task failures in Proxmox words', () => {
    expect(
      classifyTaskExit("clone failed: can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout"),
    ).toMatchObject({
      kind: 'task-failed',
      lock: { file: '/var/lock/qemu-server/lock-101.conf', vmid: 101 },
      retry: 'later',
    });
    expect(classifyTaskExit('clone failed: lvcreate: Insufficient free space')).toMatchObject({
      kind: 'task-failed',
      message: 'lvcreate: Insufficient free space',
    });
    expect(classifyTaskExit('')).toMatchObject({ ok: false, kind: 'task-failed' });
  });
});

describe('classifyCloneError', () => {
  const cases: [Parameters<typeof classifyCloneError>[0], string, RegExp][] = [
    [
      { status: 400, message: "storage 'iso' does not support vm images" },
      'storage-invalid',
      /Storage iso cannot hold VM disks/,
    ],
    [
      { status: 500, message: "can't clone to non-shared storage 'local-lvm'" },
      'storage-invalid',
      /not shared/,
    ],
    [
      { status: 500, message: "Configuration file 'nodes/pve1/qemu-server/9000.conf' does not exist" },
      'template-not-found',
      /VM 9000 does not exist on pve1/,
    ],
    [{ status: 500, message: 'VM is locked (backup)' }, 'template-locked', /locked \(backup\)/],
    [{ status: 500, message: "snapshot 'pre' does not exist" }, 'clone-rejected', /Snapshot pre/],
    [
      {
        status: 500,
        message: "Linked clone feature is not supported for 'local:9000/base-9000-disk-0.raw' (scsi0)",
      },
      'clone-rejected',
      /does not support linked clones/,
    ],
    [
      { status: 500, message: "can't clone VM to node 'pve2' (VM uses local storage)" },
      'clone-rejected',
      /cannot be cloned to node pve2/,
    ],
    [
      { status: 500, message: 'unable to create VM 200: config file already exists' },
      'vmid-taken',
      /VMID 200 is already taken/,
    ],
    [
      { status: 403, message: 'Permission check failed (/vms/9000, VM.Clone)' },
      'permission-denied',
      /lacks VM.Clone on \/vms\/9000/,
    ],
    [
      { status: 500, message: "parameter 'storage' not allowed for linked clones" },
      'invalid-request',
      /'storage' for a linked clone/,
    ],
    [{ status: 401, message: 'authentication failure' }, 'permission-denied', /credentials/],
    [{ status: 401, message: 'invalid token value!' }, 'permission-denied', /credentials/],
    [{ status: 401, message: '' }, 'permission-denied', /credentials: HTTP 401/],
    [{ status: 500, message: "pool 'nope' does not exist" }, 'invalid-request', /^Pool nope does not exist/],
    [
      { status: 403, message: "Permission check failed (pool 'nope' does not exist)" },
      'invalid-request',
      /^Pool nope does not exist/,
    ],
    [{ status: 401, message: 'Authentication failed!' }, 'permission-denied', /credentials/],
    [
      {
        status: 400,
        message: 'Parameter verification failed.',
        errors: { name: 'invalid format - value does not look like a valid DNS name\n' },
      },
      'invalid-request',
      /name: invalid format/,
    ],
    [{ status: 595, message: 'Connection refused' }, 'node-offline', /could not reach/],
    [{ status: 500, message: 'something new' }, 'clone-rejected', /refused the clone: something new/],
    [{ status: 502, message: '' }, 'clone-rejected', /HTTP 502/],
  ];
  it.each(cases)('%j → %s', (error, reason, summary) => {
    const c = classifyCloneError(error);
    expect(c.reason).toBe(reason);
    expect(c.summary).toMatch(summary);
    expect(c.advice.length).toBeGreaterThan(0);
  });

  it('marks only a VMID clash for retry with a new id', () => {
    expect(
      classifyCloneError({ status: 500, message: 'unable to create VM 200: config file already exists' })
        .retry,
    ).toBe('new-vmid');
    expect(classifyCloneError({ status: 500, message: 'VM is locked (backup)' }).retry).toBe('no');
  });
});
