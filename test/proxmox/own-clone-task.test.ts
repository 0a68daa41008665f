import { describe, expect, it } from 'vitest';
import { judgeOwnClone, type SeenCloneTask, vmidsNamedIn } from '../../src/proxmox/own-clone-task.ts';

const seen = (
  upid: string,
  named: number[],
  state: { endtime?: number; status?: string; runningBefore?: boolean } = {},
): SeenCloneTask => ({
  task: {
    upid,
    node: 'pve1',
    type: 'qmclone',
    id: '9000',
    user: 'bot@pve!slack',
    starttime: 1,
    ...(state.endtime === undefined ? {} : { endtime: state.endtime }),
    ...(state.status === undefined ? {} : { status: state.status }),
  },
  named: new Set(named),
  runningBefore: state.runningBefore ?? false,
});

describe('vmidsNamedIn', () => {
  it('reads new volumes and config paths, never the template’s own volumes', () => {
    const ids = vmidsNamedIn(
      [
        'create full clone of drive scsi0 (local-lvm:base-9000-disk-0)',
        'create full clone of drive efidisk0 (local-lvm:vm-9000-disk-1)',
        '  Logical volume "vm-200-disk-0" created.',
        'create linked clone of drive scsi0 (ceph:base-9000-disk-0/vm-201-disk-0)',
        "clone failed: close (rename) atomic file '/etc/pve/nodes/pve1/qemu-server/202.conf' failed: File exists",
        "Formatting '/var/lib/vz/images/203/vm-203-disk-0.qcow2', fmt=qcow2",
        'transferred 4.0 GiB of 32.0 GiB (12.50%)',
      ],
      9000,
    );
    expect([...ids].sort()).toEqual([200, 201, 202, 203]);
  });
});

describe('judgeOwnClone', () => {
  it('takes the one task naming our VMID, running or failed', () => {
    expect(judgeOwnClone(200, true, [seen('a', [201]), seen('b', [200])])).toEqual({
      kind: 'started',
      upid: 'b',
    });
    const failed = seen('b', [200], { endtime: 5, status: 'clone failed: x' });
    expect(judgeOwnClone(200, false, [seen('a', [201]), failed])).toEqual({ kind: 'started', upid: 'b' });
  });

  it('with our VM visible, takes the only task that names no other VM; with two, cannot tell', () => {
    expect(judgeOwnClone(200, true, [seen('a', [201]), seen('b', [])])).toEqual({
      kind: 'started',
      upid: 'b',
    });
    expect(judgeOwnClone(200, true, [seen('a', []), seen('b', [])]).kind).toBe('undecided');
  });

  it('never adopts a task without our VM visible or named', () => {
    expect(judgeOwnClone(200, false, [seen('a', [], { runningBefore: true })])).toEqual({
      kind: 'not-started',
    });
    expect(judgeOwnClone(200, false, [seen('a', [201])])).toEqual({ kind: 'not-started' });
  });

  it('is undecided about a fresh unnamed task or an unnamed failure', () => {
    expect(judgeOwnClone(200, false, [seen('a', [])]).kind).toBe('undecided');
    const failed = seen('a', [], { endtime: 5, status: "clone failed: can't lock file - got timeout" });
    expect(judgeOwnClone(200, false, [failed]).kind).toBe('undecided');
    expect(judgeOwnClone(200, false, [seen('a', [], { endtime: 5, status: 'OK' })])).toEqual({
      kind: 'not-started',
    });
  });
});
