import { paramError, serverError } from './api-error.ts';
import { checkVmPrivilege, localVm } from './local-vm.ts';
import type { Route } from './route.ts';
import { configDigest } from './routes-qemu.ts';
import { type ParamSchema, validateParams } from './validate-params.ts';

// pve-common JSONSchema.pm $PVE_TAG_RE, the `pve-tag` format of each element of a `pve-tag-list`.
const TAG = /^[a-z0-9_][a-z0-9_\-+.]*$/i;
// pve-common JSONSchema.pm pve_verify_urlencoded.
const URLENCODED = /^[-%a-zA-Z0-9_.!~*'()]*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
// An OpenSSH public key line as `ssh-keygen -l -f` accepts it (PVE::Tools::validate_ssh_public_keys).
const SSH_KEY =
  /^(?:\S+\s+)?(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)\s+[A-Za-z0-9+/]{20,}={0,3}(\s.*)?$/;

/** The options of PUT …/config the simulator knows (a subset of PVE::QemuServer json_config_properties). */
const CONFIG_SCHEMA: Record<string, ParamSchema> = {
  name: { type: 'string', optional: true, format: 'dns-name' },
  description: { type: 'string', optional: true, maxLength: 8192 },
  tags: { type: 'string', optional: true },
  protection: { type: 'boolean', optional: true },
  onboot: { type: 'boolean', optional: true },
  agent: { type: 'string', optional: true },
  memory: { type: 'string', optional: true },
  cores: { type: 'integer', optional: true, minimum: 1 },
  ciuser: { type: 'string', optional: true },
  cipassword: { type: 'string', optional: true },
  citype: { type: 'string', optional: true, enum: ['configdrive2', 'nocloud', 'opennebula'] },
  sshkeys: { type: 'string', optional: true },
  nameserver: { type: 'string', optional: true },
  searchdomain: { type: 'string', optional: true },
  ipconfig0: { type: 'string', optional: true },
  ipconfig1: { type: 'string', optional: true },
  delete: { type: 'string', optional: true },
  digest: { type: 'string', optional: true, maxLength: 40 },
  skiplock: { type: 'boolean', optional: true },
};

/** The `pve-qm-ipconfig` property string's own checks (PVE::QemuServer::Network $ipconfig_fmt); gw with dhcp is only warned about later. */
function ipconfigError(value: string): string | undefined {
  const seen = new Set<string>();
  for (const part of value.split(',')) {
    const [k, v = ''] = part.split('=', 2) as [string, string?];
    if (!['ip', 'gw', 'ip6', 'gw6'].includes(k))
      return `invalid format - format error\n${k}: property is not defined in schema`;
    if (seen.has(k))
      return `invalid format - format error\n${k}: duplicate key in comma-separated list property`;
    seen.add(k);
    if (k === 'ip') {
      const [addr = '', prefix] = v.split('/');
      const ok =
        v === 'dhcp' ||
        v === 'manual' ||
        (IPV4.test(addr) && prefix !== undefined && /^\d+$/.test(prefix) && Number(prefix) <= 32);
      if (!ok)
        return `invalid format - format error\nip: invalid format - invalid IPv4 configuration: ${v}\n`;
    }
    if (k === 'gw' && !IPV4.test(v))
      return `invalid format - format error\ngw: invalid format - value does not look like a valid IPv4 address: ${v}\n`;
  }
  if (seen.has('gw') && !seen.has('ip')) return 'invalid format - format error\ngw: property requires ip';
  return undefined;
}

/** PVE::GuestHelpers::get_unique_tags: split on `;`, `,` or spaces, duplicates dropped, sorted, joined by `;`. */
function uniqueTags(list: string): string {
  const tags = [...new Set(list.split(/[;,\s]+/).filter((t) => t !== ''))];
  return tags.sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())).join(';');
}

/**
 * PUT /nodes/{node}/qemu/{vmid}/config (PVE/API2/Qemu.pm update_vm → $update_vm_api, synchronous): parameters
 * verified first (tags as pve-tag-list, sshkeys as an `urlencoded` string whose decoded lines must each be an
 * OpenSSH public key, `SSH public key validation error` otherwise); then, under the config lock, the digest
 * (`checksum mismatch`) and check_lock (`VM is locked (clone)`): a locked VM is refused with a 500, nothing
 * written. Answers `null`.
 */
export const configRoutes: Route[] = [
  {
    method: 'PUT',
    pattern: '/nodes/{node}/qemu/{vmid}/config',
    handle: (ctx, { path, params, principal }) => {
      const p = validateParams(params, CONFIG_SCHEMA);
      const errors: Record<string, string> = {};
      if (typeof p.tags === 'string')
        for (const tag of p.tags.split(/[;,\s]+/).filter((t) => t !== ''))
          if (!TAG.test(tag)) errors.tags = 'invalid format - invalid characters in tag\n';
      if (typeof p.sshkeys === 'string' && !URLENCODED.test(p.sshkeys))
        errors.sshkeys = `invalid format - invalid urlencoded string: ${p.sshkeys}\n`;
      for (const key of ['ipconfig0', 'ipconfig1'])
        if (typeof p[key] === 'string') {
          const e = ipconfigError(p[key] as string);
          if (e !== undefined) errors[key] = e;
        }
      if (p.skiplock === true && principal.user !== 'root@pam')
        errors.skiplock = 'Only root may use this option.';
      if (Object.keys(errors).length > 0) throw paramError(errors);
      if (typeof p.sshkeys === 'string') {
        let decoded: string;
        try {
          decoded = decodeURIComponent(p.sshkeys);
        } catch {
          throw serverError('SSH public key validation error');
        }
        for (const line of decoded.split('\n'))
          if (line.trim() !== '' && !SSH_KEY.test(line.trim()))
            throw serverError('SSH public key validation error');
      }
      const deletes = typeof p.delete === 'string' ? p.delete.split(/[;,\s]+/).filter((k) => k !== '') : [];
      const changes = Object.entries(p).filter(([k]) => !['delete', 'digest', 'skiplock'].includes(k));
      if (changes.length === 0 && deletes.length === 0) throw serverError('no options specified');
      for (const key of deletes)
        if (key in p)
          throw paramError({ delete: `you can't use '-${key}' and -delete ${key}' at the same time` });
      const vm = localVm(ctx, path.node as string, path.vmid as string);
      checkVmPrivilege(ctx, vm, 'VM.Config.Options');
      if (typeof p.digest === 'string' && p.digest !== configDigest(vm.config))
        throw serverError('checksum mismatch (file change by other user?)');
      if (vm.config.lock !== undefined && p.skiplock !== true)
        throw serverError(`VM is locked (${vm.config.lock})`);
      const next = { ...vm.config };
      for (const key of deletes) delete next[key];
      for (const [key, value] of changes) {
        if (key === 'tags') next.tags = uniqueTags(String(value));
        else if (typeof value === 'boolean') next[key] = value ? 1 : 0;
        else next[key] = value;
      }
      if (next.tags === '') delete next.tags;
      vm.config = next;
      ctx.state.vmChanged(vm.vmid);
      return { data: null };
    },
  },
];
