import { describe, expect, it } from 'vitest';
import { describeStorage, describeTemplateCheck, diagnose } from '../../src/core/diagnose.ts';
import { parseCloneCommand } from '../../src/core/parse-clone-command.ts';
import type { CloneRequest } from '../../src/core/types.ts';
import type { StorageInfo } from '../../src/proxmox/types.ts';

const request = (text: string): CloneRequest => {
  const r = parseCloneCommand(text);
  if (!r.ok) throw new Error(r.error);
  return r.request;
};
const LVM: StorageInfo = {
  storage: 'local-lvm',
  type: 'lvmthin',
  content: ['images', 'rootdir'],
  enabled: true,
  active: true,
  shared: false,
  total: 500 * 1024 ** 3,
  avail: 120 * 1024 ** 3,
};

describe('diagnose', () => {
  it('names a template without a boot disk exactly and tells how to move unused0 back', () => {
    const d = diagnose({
      reason: 'template-missing-disk',
      request: request('112 as test-clone on pve1'),
      templateVmid: 112,
      node: 'pve1',
      templateConfig: { template: 1, boot: 'order=scsi0;net0', unused0: 'local-lvm:vm-112-disk-0' },
    });
    expect(d.summary).toBe('Template 112 is missing boot disk - template may be corrupted');
    expect(d.advice[0]).toBe(
      'move the disk from unused0 back: qm set 112 --scsi0 local-lvm:vm-112-disk-0 && qm set 112 --boot order=scsi0',
    );
    expect(d.advice[1]).toBe('or recreate template 112');
    expect(d.templateCheck).toBe('no boot disk: the disk is only in unused0 (local-lvm:vm-112-disk-0)');
  });

  it('advises recreating a template with no disk left, in the bus its boot order names', () => {
    const d = diagnose({
      reason: 'template-missing-disk',
      templateVmid: 9105,
      templateConfig: { template: 1 },
    });
    expect(d.advice).toEqual([
      'recreate template 9105 from its source image: it has no disk left to move back',
    ]);
    const v = diagnose({
      reason: 'template-missing-disk',
      templateVmid: 9105,
      templateConfig: { boot: 'order=virtio0', unused3: 'ceph:vm-9105-disk-0' },
    });
    expect(v.advice[0]).toContain('qm set 9105 --virtio0 ceph:vm-9105-disk-0');
  });

  it('names the shared storage of a cluster-lock timeout', () => {
    const exit = "clone failed: cfs-lock 'storage-ceph' error: got lock request timeout";
    const d = diagnose({ reason: 'storage-lock-timeout', taskExitStatus: exit, newVmid: 204 });
    expect(d.summary).toContain('lock of storage ceph');
  });

  it('explains a storage lock timeout as slow disk creation, to retry later (not as too many clones)', () => {
    const exit = "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout";
    const d = diagnose({
      reason: 'storage-lock-timeout',
      taskExitStatus: exit,
      newVmid: 203,
      newVmConfig: 'removed',
      storage: LVM,
      taskLog: ['create full clone of drive scsi0 (local-lvm:base-9100-disk-0)', `TASK ERROR: ${exit}`],
    });
    expect(d.summary).toBe(
      'Proxmox timed out waiting for the lock of storage local-lvm while creating the new disk: other disk creations on it were slow',
    );
    expect(d.advice).toEqual([
      'try again in a minute or two: this is temporary',
      'if it keeps happening, check what is creating or deleting disks on local-lvm (backups, other clones, a slow storage server)',
      'Proxmox removed the partial VM: nothing to clean up',
    ]);
    expect(d.taskExitStatus).toBe(exit);
    expect(d.newVmConfig).toBe('removed');
    expect(d.storage).toBe('local-lvm (lvmthin): active, 120.0 GiB free of 500.0 GiB');
    expect(d.leftover).toBeUndefined();
  });

  it('on a timeout names the lock holder and task state and never suggests breaking the lock', () => {
    const d = diagnose({
      reason: 'timeout',
      request: request('112 as big on pve1 target pve2'),
      node: 'pve1',
      newVmid: 200,
      upid: 'UPID:pve1:0001A2B3:00C4D5E6:66F1A2B3:qmclone:112:bot@pve!slack:',
      taskState: 'running',
      lock: { kind: 'clone', holder: 'task UPID:pve1:0001A2B3:00C4D5E6:66F1A2B3:qmclone:112:bot@pve!slack:' },
      newVmConfig: { lock: 'clone', name: 'big', cipassword: '$5$secret' },
      timeoutMs: 900_000,
      elapsedMs: 900_000,
    });
    expect(d.summary).toBe(
      'The clone of VM 200 did not finish within 15m 00s (task running; VM 200 is locked (clone) by task UPID:pve1:0001A2B3:00C4D5E6:66F1A2B3:qmclone:112:bot@pve!slack:)',
    );
    expect(d.advice[0]).toBe(
      'never break the lock by hand unless you know the task is dead: check the task in the Proxmox UI (Datacenter → Tasks)',
    );
    expect(d.advice.join(' ')).toContain('CLONE_TIMEOUT_SECONDS');
    expect(d.leftover).toEqual({ vmid: 200, node: 'pve1', lock: 'clone' });
    expect(d.newVmConfig).toEqual({ lock: 'clone', name: 'big', cipassword: '(hidden)' });
  });

  it('reports a failed task with Proxmox own error, a trimmed log tail and space advice', () => {
    const log = [
      ...Array.from({ length: 30 }, (_, i) => `transferred ${i}.0 GiB of 32.0 GiB (${i * 3}.00%)`),
      'TASK ERROR: clone failed: lvcreate: Insufficient free space',
    ];
    const d = diagnose({
      reason: 'task-failed',
      taskExitStatus: 'clone failed: lvcreate: Insufficient free space',
      taskLog: ['no content', ...log],
      newVmConfig: 'removed',
      request: request('112 as x on pve1 storage local-lvm'),
    });
    // The summary is its own headline: it says what failed, so no renderer has to prefix it.
    expect(d.summary).toBe('Clone of template 112 failed: lvcreate: Insufficient free space');
    expect(d.advice[0]).toBe('free space on local-lvm or clone to another storage');
    expect(d.taskLogTail).toEqual([
      'transferred 29.0 GiB of 32.0 GiB (87.00%)',
      'TASK ERROR: clone failed: lvcreate: Insufficient free space',
    ]);
  });

  it('keeps disk starts, errors and other lines in the tail; progress runs give only their last line', () => {
    const log = [
      'create full clone of drive efidisk0 (local-lvm:base-112-disk-1)',
      'transferred 0.0 B of 4.0 MiB (0.00%)',
      'transferred 4.0 MiB of 4.0 MiB (100.00%)',
      'create full clone of drive scsi0 (local-lvm:base-112-disk-0)',
      '  Logical volume "vm-200-disk-1" created.',
      ...Array.from(
        { length: 40 },
        (_, i) => `transferred ${i}.0 GiB of 64.0 GiB (${(i * 1.5625).toFixed(2)}%)`,
      ),
      "TASK ERROR: clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
    ];
    const d = diagnose({ reason: 'task-failed', taskLog: log });
    expect(d.taskLogTail).toEqual([
      'create full clone of drive efidisk0 (local-lvm:base-112-disk-1)',
      'transferred 4.0 MiB of 4.0 MiB (100.00%)',
      'create full clone of drive scsi0 (local-lvm:base-112-disk-0)',
      '  Logical volume "vm-200-disk-1" created.',
      'transferred 39.0 GiB of 64.0 GiB (60.94%)',
      "TASK ERROR: clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
    ]);
    // Still at most 20 lines when the other lines alone are more.
    const chatty = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    expect(diagnose({ reason: 'task-failed', taskLog: chatty }).taskLogTail).toEqual(chatty.slice(-20));
  });

  it('leaves Proxmox placeholders out of the log tail', () => {
    const d = diagnose({
      reason: 'task-failed',
      taskLog: ['unable to open file - No such file or directory', 'no content', 'TASK ERROR: boom'],
    });
    expect(d.taskLogTail).toEqual(['TASK ERROR: boom']);
  });

  it('words a cancel as its own headline', () => {
    const d = diagnose({
      reason: 'cancelled',
      newVmid: 106,
      taskExitStatus: 'clone failed: interrupted by signal',
      newVmConfig: 'removed',
    });
    expect(d.summary).toBe('Clone of VM 106 cancelled: Proxmox stopped the task (interrupted by signal)');
    expect(diagnose({ reason: 'cancelled', cancelledBeforeStart: true }).summary).toBe(
      'Clone cancelled before it started: nothing was created',
    );
  });

  // pve-common RESTEnvironment: fork_worker's `received interrupt` before clone_vm's eval, and
  // $kill_process_group's SIGKILL after 5 s (no last line: `unexpected status`).
  it('words each way a stop can end as a cancel, with what was left, never as a dead worker', () => {
    const early = diagnose({ reason: 'cancelled', newVmid: 107, taskExitStatus: 'received interrupt' });
    expect(early.summary).toBe(
      'Clone cancelled before the copy started: Proxmox stopped the task (received interrupt)',
    );
    expect(early.advice).toEqual(['nothing was created: VM 107 does not exist']);
    const cut = diagnose({
      reason: 'cancelled',
      node: 'pve1',
      newVmid: 108,
      taskExitStatus: 'unexpected status',
      newVmConfig: {
        lock: 'clone',
        name: 'x',
        ide2: 'ceph:vm-108-cloudinit,media=cdrom',
        scsi0: 'ceph:vm-108-disk-0,size=32G',
      },
    });
    expect(cut.summary).toBe(
      "Clone of VM 108 cancelled, but Proxmox's cleanup was cut off: a stop waits at most 5 s before killing the task, and VM 108 was left on pve1 with lock: clone and partial disks (ide2 ceph:vm-108-cloudinit, scsi0 ceph:vm-108-disk-0)",
    );
    expect(cut.advice[0]).toMatch(
      /^the stopped task holds nothing any more: .* run `qm unlock 108` on pve1, then delete it/,
    );
    expect(cut.leftover).toEqual({ vmid: 108, node: 'pve1', lock: 'clone' });
    expect(JSON.stringify([early, cut])).not.toMatch(/worker process died/);
  });

  it('tells a refused token (401) from a missing privilege (403)', () => {
    const token = diagnose({
      reason: 'permission-denied',
      message:
        'Proxmox GET /cluster/resources failed: 401 invalid token value! - Proxmox refused the API token: check PROXMOX_TOKEN_ID and PROXMOX_TOKEN_SECRET, and that the token is not expired',
    });
    expect(token.summary).toMatch(/^Proxmox rejected the bot's credentials: /);
    expect(token.advice.join('\n')).toMatch(/PROXMOX_TOKEN_ID and PROXMOX_TOKEN_SECRET/);
    expect(token.advice.join('\n')).toMatch(/token exists .* not expired/);
    expect(token.advice.join('\n')).not.toMatch(/grant/);
    // A ticket session's 401 (≥ PVE 9.1.5 wording) is credentials too.
    expect(
      diagnose({
        reason: 'permission-denied',
        message: 'Proxmox GET /nodes failed: 401 Authentication failed!',
      }).advice[0],
    ).toMatch(/PROXMOX_USERNAME and PROXMOX_PASSWORD/);

    const privilege = diagnose({
      reason: 'permission-denied',
      message:
        'Proxmox GET /nodes/pve1/qemu/401/config failed: 403 Permission check failed (/vms/401, VM.Audit)',
    });
    expect(privilege.summary).toMatch(/^Proxmox denied the bot: /);
    expect(privilege.advice).toEqual([
      "grant VM.Audit on /vms/401 to the bot's API token and to its user (a privilege-separated token has only what both have): Datacenter → Permissions",
    ]);
    // An `or` of checks all failing names no path (pve-access-control RPCEnvironment exec_api2_perm_check).
    const bare = diagnose({
      reason: 'permission-denied',
      newVmid: 230,
      message: 'Proxmox POST /nodes/pve1/qemu/112/clone failed: 403 Permission check failed',
    });
    expect(bare.advice[0]).toMatch(/^grant VM\.Allocate on \/vms \(or on \/vms\/230\)/);
  });

  it('quotes Proxmox for a refusal it has no rule for, says nothing was created and what to check', () => {
    const d = diagnose({ reason: 'clone-rejected', message: 'something new' });
    expect(d.summary).toBe('Proxmox refused the clone: something new');
    expect(d.advice[0]).toBe('Proxmox said: "something new"; nothing was created');
    expect(d.advice[1]).toMatch(/^check the request/);
    expect(d.advice.join(' ')).not.toMatch(/read the message above/);
  });

  it('explains a dead worker and a config lock timeout', () => {
    expect(diagnose({ reason: 'task-failed', taskExitStatus: 'unexpected status' }).advice[0]).toContain(
      'worker process died',
    );
    expect(
      diagnose({
        reason: 'task-failed',
        taskExitStatus: "clone failed: can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout",
      }).advice[0],
    ).toContain('config lock of VM 101');
  });

  it('uses a classified POST error as it is', () => {
    const d = diagnose({
      reason: 'template-locked',
      cloneError: {
        reason: 'template-locked',
        summary: 'The template is locked (backup)',
        advice: ['wait'],
        retry: 'no',
      },
    });
    expect(d).toEqual({
      reason: 'template-locked',
      summary: 'The template is locked (backup)',
      advice: ['wait'],
    });
  });

  it('gives a leftover for a clone that finished without a disk, on its target node', () => {
    const d = diagnose({
      reason: 'clone-missing-disk',
      request: request('112 as x on pve1 target pve2'),
      templateVmid: 112,
      newVmid: 201,
      node: 'pve1',
      newVmConfig: { name: 'x', unused0: 'ceph:vm-201-disk-0' },
    });
    expect(d.summary).toBe('The clone finished but VM 201 has no boot disk');
    expect(d.leftover).toEqual({ vmid: 201, node: 'pve2' });
  });

  it('has a summary and reason for every failure reason', () => {
    const reasons = [
      'invalid-request',
      'unknown-node',
      'node-offline',
      'template-not-found',
      'not-a-template',
      'template-missing-disk',
      'template-locked',
      'name-taken',
      'vmid-taken',
      'storage-invalid',
      'permission-denied',
      'clone-rejected',
      'storage-lock-timeout',
      'task-failed',
      'cancelled',
      'timeout',
      'clone-missing-disk',
      'proxmox-unreachable',
    ] as const;
    for (const reason of reasons) {
      const d = diagnose({ reason, request: request('112 as x on pve1'), message: 'something broke' });
      expect(d.reason).toBe(reason);
      expect(d.summary.length).toBeGreaterThan(5);
      expect(d.summary).not.toContain('undefined');
    }
    expect(
      diagnose({ reason: 'unknown-node', request: request('112 as x on pve9'), knownNodes: ['pve1', 'pve2'] })
        .summary,
    ).toBe('Node pve9 is not in the cluster (nodes: pve1, pve2)');
    expect(diagnose({ reason: 'cancelled', cancelledBeforeStart: true }).summary).toContain(
      'nothing was created',
    );
  });
});

describe('describe helpers', () => {
  it('describes the template check and the storage state', () => {
    expect(describeTemplateCheck({ scsi0: 'local-lvm:base-112-disk-0,size=32G', boot: 'order=scsi0' })).toBe(
      'boot disk scsi0 (local-lvm:base-112-disk-0, 32.0 GiB)',
    );
    expect(describeTemplateCheck({ scsi0: 'a:b,size=0', boot: 'order=' })).toBe(
      'boot disk scsi0 (a:b, 0 B); disk scsi0 (a:b) is 0 bytes; boot order is empty: clones will not boot from scsi0',
    );
    // `enabled: 0` alone does not say why (pve-storage storage_info); storage.cfg does.
    expect(describeStorage({ ...LVM, enabled: false })).toMatch(/: not enabled on this node(,|$)/);
    expect(describeStorage({ ...LVM, enabled: false, unavailable: { reason: 'disabled' } })).toMatch(
      /: disabled, /,
    );
    expect(
      describeStorage({
        ...LVM,
        enabled: false,
        unavailable: { reason: 'not-on-node', nodes: ['pve2', 'pve3'] },
      }),
    ).toMatch(/: not on this node \(only pve2, pve3\), /);
    expect(
      describeStorage({ ...LVM, active: false, shared: true, avail: undefined } as unknown as StorageInfo),
    ).toBe('local-lvm (lvmthin, shared): inactive');
  });
});
