import { clonedDriveKeys, inspectDisks } from './boot-disk.ts';
import { AUTH_ADVICE, AUTH_FAILURE, rejectedAdvice } from './clone-error.ts';
import type { DiagnosisEvidence } from './diagnosis-evidence.ts';
import { formatDuration } from './format.ts';
import { explainPermissionDenied, type PermissionContext } from './permission-advice.ts';
import { formatTemplateRef } from './template-ref.ts';

const NEVER_BREAK =
  'never break the lock by hand unless you know the task is dead: check the task in the Proxmox UI (Datacenter → Tasks)';
const NO_SPACE = /no space left|not enough space|insufficient free space|out of space|disk quota exceeded/i;

/** The why (one line) and the advice for a failure, from its evidence. */
export function explainFailure(e: DiagnosisEvidence): { summary: string; advice: string[] } {
  const tpl = e.templateVmid ?? (e.request?.template.kind === 'vmid' ? e.request.template.vmid : undefined);
  const tplText =
    tpl === undefined
      ? `template ${e.request ? formatTemplateRef(e.request.template) : '?'}`
      : `template ${tpl}`;
  const vm = e.newVmid === undefined ? 'the new VM' : `VM ${e.newVmid}`;
  const node = e.node ?? e.request?.node ?? 'its node';
  const removed = e.newVmConfig === 'removed' ? ['Proxmox removed the partial VM: nothing to clean up'] : [];
  const status = e.taskExitStatus?.replace(/^clone failed: /, '') ?? e.message ?? 'no message';
  if (e.cloneError) return { summary: e.cloneError.summary, advice: e.cloneError.advice };

  switch (e.reason) {
    case 'template-missing-disk':
      return {
        summary: `Template ${tpl ?? '?'} is missing boot disk - template may be corrupted`,
        advice: missingDiskAdvice(e, tpl),
      };
    case 'storage-lock-timeout': {
      const storage =
        /(?:pve-storage-|cfs-lock 'storage-)([^']+)'/.exec(e.taskExitStatus ?? '')?.[1] ??
        e.storage?.storage ??
        e.request?.storage ??
        'the storage';
      // Proxmox holds the storage lock only while it creates a volume, so this means allocation on that
      // storage was slow (thick LVM, a busy Ceph or NFS server), not that too many clones were copying.
      return {
        summary: `Proxmox timed out waiting for the lock of storage ${storage} while creating the new disk: other disk creations on it were slow`,
        advice: [
          'try again in a minute or two: this is temporary',
          `if it keeps happening, check what is creating or deleting disks on ${storage} (backups, other clones, a slow storage server)`,
          ...removed,
        ],
      };
    }
    case 'timeout': {
      const limit = e.timeoutMs === undefined ? '' : ` within ${formatDuration(e.timeoutMs)}`;
      const task =
        e.taskState === undefined || e.taskState === 'unknown' ? 'task state unknown' : `task ${e.taskState}`;
      const lock = e.lock
        ? `; ${vm} is locked (${e.lock.kind})${e.lock.holder ? ` by ${e.lock.holder}` : ''}`
        : '';
      const advice = [NEVER_BREAK];
      if (e.taskState === 'running') {
        advice.push(
          `the task may still finish: if it ends OK, ${vm} is usable; to give up, stop the task there and Proxmox removes the partial VM`,
        );
      }
      advice.push('raise CLONE_TIMEOUT_SECONDS if clones of this size normally take longer');
      return { summary: `The clone of ${vm} did not finish${limit} (${task}${lock})`, advice };
    }
    case 'task-failed':
      return {
        summary: `Clone of ${tplText} failed: ${status}`,
        advice: [...taskFailedAdvice(e, status), ...removed],
      };
    case 'cancelled':
      return cancelledExplanation(e, vm, node, status, removed);
    case 'clone-missing-disk':
      return {
        summary: `The clone finished but ${vm} has no boot disk`,
        advice: [
          `delete ${vm} (qm destroy ${e.newVmid ?? '<vmid>'}) and check ${tplText}: it may be corrupted`,
        ],
      };
    case 'vmid-taken':
      return {
        summary: `VMID ${e.newVmid ?? e.request?.vmid ?? '?'} is already taken${e.conflict ? ` (on ${e.conflict.node})` : ''}`,
        advice: ['leave out vmid to use the next free one, or pick another'],
      };
    case 'name-taken':
      return {
        summary: `A VM named ${e.request?.name ?? '?'} already exists${e.conflict ? ` (VMID ${e.conflict.vmid} on ${e.conflict.node})` : ''}`,
        advice: ['pick another name, or delete the old VM first if it is no longer needed'],
      };
    case 'unknown-node':
      return {
        summary: `Node ${node} is not in the cluster${e.knownNodes?.length ? ` (nodes: ${e.knownNodes.join(', ')})` : ''}`,
        advice: ["use one of the cluster's node names"],
      };
    case 'node-offline':
      return {
        summary: `Node ${node} is offline`,
        advice: ["wait for it to come back, or clone from another node's copy of the template"],
      };
    case 'template-not-found':
      return {
        summary: `${cap(tplText)} was not found on ${node}`,
        advice: ['check the template VMID, base id or name, and the node it is on'],
      };
    case 'not-a-template':
      return {
        summary: `VM ${tpl ?? '?'} on ${node} is not a template`,
        advice: ['give the VMID of a template; convert a VM with qm template only if that is intended'],
      };
    case 'template-locked': {
      const kind = e.lock?.kind ?? 'a lock';
      return {
        summary: `${cap(tplText)} is locked (${kind}): Proxmox refuses to clone it now`,
        advice: [`wait for the ${kind} to finish and try again`, NEVER_BREAK],
      };
    }
    case 'storage-invalid':
      return {
        summary: `Storage ${e.request?.storage ?? e.storage?.storage ?? '?'} cannot take the clone: ${status}`,
        advice: ['pick a storage that is enabled, active and holds Disk images on this node'],
      };
    case 'permission-denied':
      return permissionAdvice(status, {
        ...(e.newVmid === undefined ? {} : { newid: e.newVmid }),
        ...(e.request?.pool === undefined ? {} : { pool: e.request.pool }),
      });
    case 'clone-rejected':
      return { summary: `Proxmox refused the clone: ${status}`, advice: rejectedAdvice(status) };
    case 'proxmox-unreachable':
      return {
        summary: `Proxmox could not be reached: ${status}`,
        advice: [
          'check PROXMOX_URL and that the API answers (https://host:8006)',
          'no clone was started by this attempt, or its outcome is unknown: check Datacenter → Tasks',
        ],
      };
    case 'invalid-request':
      return { summary: e.message ?? 'The request is not valid', advice: [] };
    case 'worker-lost':
      // Built whole by the cloning reconciler (jobs/reconcile-cloning-requests.ts); this is only a fallback.
      return {
        summary: e.message ?? 'The worker lost this clone job before it reported a result',
        advice: [
          `look for ${vm} on ${node} and its qmclone task (Datacenter → Tasks) before requesting again`,
        ],
      };
  }
}

/**
 * A stopped clone, by what Proxmox left. pve-manager's stop_task sends SIGTERM and waits at most 5 s before
 * SIGKILL (pve-common `PVE::RESTEnvironment` `$kill_process_group`): a stop before the copy ends `received
 * interrupt` with nothing made; during the copy clone_vm frees the new disks and the config (`interrupted by
 * signal`); a cleanup slower than 5 s (Ceph, NFS) is killed half-way (`unexpected status`) and leaves the
 * `lock: clone` config with disks. Never "the worker died": the bot asked for that stop.
 */
function cancelledExplanation(
  e: DiagnosisEvidence,
  vm: string,
  node: string,
  status: string,
  removed: string[],
): { summary: string; advice: string[] } {
  if (e.cancelledBeforeStart)
    return { summary: 'Clone cancelled before it started: nothing was created', advice: [] };
  if (/received interrupt/.test(status)) {
    return {
      summary: `Clone cancelled before the copy started: Proxmox stopped the task (received interrupt)`,
      advice: [`nothing was created: ${vm} does not exist`],
    };
  }
  const left = e.newVmConfig !== undefined && e.newVmConfig !== 'removed' ? e.newVmConfig : undefined;
  if (left) {
    const disks = clonedDriveKeys(left).map((k) => `${k} ${String(left[k]).split(',')[0]}`);
    const what =
      disks.length > 0
        ? ` and ${disks.length === 1 ? 'a partial disk' : 'partial disks'} (${disks.join(', ')})`
        : '';
    const locked = left.lock !== undefined;
    const id = e.newVmid ?? '<vmid>';
    const cutOff = /unexpected status/.test(status);
    return {
      summary: cutOff
        ? `Clone of ${vm} cancelled, but Proxmox's cleanup was cut off: a stop waits at most 5 s before killing the task, and ${vm} was left on ${node}${locked ? ` with lock: ${left.lock}` : ''}${what}`
        : `Clone of ${vm} cancelled: Proxmox stopped the task (${status}), but ${vm} is still on ${node}${locked ? ` with lock: ${left.lock}` : ''}${what}`,
      advice: locked
        ? [
            `the stopped task holds nothing any more: once you have checked that in Datacenter → Tasks, run \`qm unlock ${id}\` on ${node}, then delete it (the Delete VM button, or \`qm destroy ${id}\`)`,
            'disks listed in the config that Proxmox already freed are simply skipped by the delete',
          ]
        : [`delete ${vm} if it is not wanted (the Delete VM button, or \`qm destroy ${id}\` on ${node})`],
    };
  }
  return {
    summary: `Clone of ${vm} cancelled: Proxmox stopped the task (${status})`,
    advice: removed.length ? removed : [`check that ${vm} is gone (Proxmox removes a stopped clone)`],
  };
}

// A 401 (credentials refused) and a 403 (a privilege missing) need different fixes.
function permissionAdvice(status: string, ctx: PermissionContext): { summary: string; advice: string[] } {
  if (AUTH_FAILURE.test(status) || /\bfailed: 401\b/.test(status)) {
    return { summary: `Proxmox rejected the bot's credentials: ${status}`, advice: [...AUTH_ADVICE] };
  }
  const denied = explainPermissionDenied(status, ctx);
  const advice = denied
    ? denied.advice
    : [
        "grant VM.Clone on the template, VM.Allocate on /vms (or the pool), Datastore.AllocateSpace on the storages and SDN.Use on the bridges to the bot's token and its user",
      ];
  return { summary: `Proxmox denied the bot: ${status}`, advice };
}

function missingDiskAdvice(e: DiagnosisEvidence, tpl: number | undefined): string[] {
  const id = tpl ?? '<vmid>';
  if (!e.templateConfig)
    return [`recreate template ${id} or move the disk from unused0 back (qm set ${id} --scsi0 <volume>)`];
  const inspection = inspectDisks(e.templateConfig);
  const unused = inspection.disks.find((d) => d.unused);
  // Put the disk back where the boot order expects it when the order names a disk slot.
  const slot =
    inspection.bootOrder.keys.find(
      (k) => /^(scsi|virtio|sata|ide)\d+$/.test(k) && e.templateConfig?.[k] === undefined,
    ) ?? 'scsi0';
  if (unused) {
    return [
      `move the disk from ${unused.key} back: qm set ${id} --${slot} ${unused.volume} && qm set ${id} --boot order=${slot}`,
      `or recreate template ${id}`,
    ];
  }
  return [`recreate template ${id} from its source image: it has no disk left to move back`];
}

function taskFailedAdvice(e: DiagnosisEvidence, status: string): string[] {
  if (NO_SPACE.test(status) || e.taskLog?.some((l) => NO_SPACE.test(l))) {
    return [
      `free space on ${e.storage?.storage ?? e.request?.storage ?? 'the target storage'} or clone to another storage`,
    ];
  }
  const lock = /can't lock file '[^']*lock-(\d+)\.conf' - got timeout/.exec(status);
  if (lock)
    return [
      `another operation held the config lock of VM ${lock[1]}: wait for it (Datacenter → Tasks) and retry`,
    ];
  if (/unexpected status/.test(status)) {
    return [
      "the task's worker process died: check the node's syslog (journalctl) and the task in Datacenter → Tasks",
    ];
  }
  return ["the task log below has Proxmox's details"];
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
