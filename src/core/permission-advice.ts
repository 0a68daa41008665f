/**
 * What a 403 from Proxmox means for a clone, in Proxmox's own terms. pve-common `raise_perm_exc` words every
 * refusal `Permission check failed` plus, when one check failed, `(path, privilege)`; qemu-server `clone_vm`'s
 * `['or', VM.Allocate on /vms/{newid}, VM.Allocate on /pool/{pool}]` failing names no path at all
 * (pve-access-control `PVE::RPCEnvironment::exec_api2_perm_check`). A privilege-separated token has only what
 * both it and its user were granted, so every grant is for both.
 */
export interface PermissionContext {
  newid?: number;
  pool?: string;
}

const BOTH = "to the bot's API token and to its user (a privilege-separated token has only what both have)";

/** Why Proxmox checks this privilege on this path when cloning. */
function purpose(path: string, privilege: string): string | undefined {
  if (privilege === 'Datastore.AllocateSpace') {
    return 'Proxmox checks it on every storage the new disks go to: the storage asked for, otherwise each template disk’s own storage (always so for a linked clone)';
  }
  const sdn = /^\/sdn\/zones\/([^/]+)\/([^/]+)(?:\/(\d+))?$/.exec(path);
  if (privilege === 'SDN.Use' && sdn) {
    const tag = sdn[3] === undefined ? '' : ` with VLAN tag ${sdn[3]}`;
    return `the template's network device uses bridge ${sdn[2]}${tag} (zone ${sdn[1]}); Proxmox checks SDN.Use on it before cloning`;
  }
  if (privilege === 'VM.Clone') return 'it is what allows cloning that template';
  return undefined;
}

/** Summary and advice for a 403 `Permission check failed[ (…)]`, or undefined for another message. */
export function explainPermissionDenied(
  message: string,
  ctx: PermissionContext = {},
): { summary: string; advice: string[] } | undefined {
  const text = message.trim();
  const named = /Permission check failed \((\/[^,]*), ([^)]+)\)/.exec(text);
  if (named) {
    const [, path, privilege] = named as unknown as [string, string, string];
    const why = purpose(path, privilege);
    return {
      summary: `The bot's Proxmox user lacks ${privilege} on ${path}`,
      advice: [`grant ${privilege} on ${path} ${BOTH}: Datacenter → Permissions`, ...(why ? [why] : [])],
    };
  }
  if (/(?:^|\s)Permission check failed$/.test(text)) {
    const vm = ctx.newid === undefined ? '/vms/<new VMID>' : `/vms/${ctx.newid}`;
    const onPool = ctx.pool === undefined ? '' : ` and on /pool/${ctx.pool}`;
    return {
      summary: `Proxmox refused to create the new VM: the bot lacks VM.Allocate on ${vm}${onPool} (Proxmox names no path when neither passes)`,
      advice: [
        `grant VM.Allocate on /vms (or on ${vm}) ${BOTH}, or on a pool (/pool/<pool>) and clone into that pool`,
      ],
    };
  }
  return undefined;
}
