import { isValidDnsName, isValidNodeName, suggestDnsName } from './dns-name.ts';
import { checkCloudInitUser, parseIpSetting } from './ip-setting.ts';
import { checkLease, DEFAULT_MAX_LEASE_MS, type LeaseSpec, parseDuration, parseUntil } from './lease.ts';
import { checkCloneOption, linkedWithStorage } from './parse-clone-command.ts';
import { parseTemplateRef, showToken } from './template-ref.ts';
import type { CloneRequest, VmSetup } from './types.ts';

/** The `/clone` form's fields, as typed or picked (trimmed; undefined when empty). */
export interface CloneFields {
  node?: string;
  template?: string;
  name?: string;
  mode: 'full' | 'linked';
  storage?: string;
  pool?: string;
  /** After the clone (issue 10): start it, put the requester's stored keys in, cloud-init user, ip, lease. */
  start?: boolean;
  sshKey?: boolean;
  user?: string;
  /** `dhcp`, `10.0.0.5/24` or `10.0.0.5/24 gw 10.0.0.1` */
  ip?: string;
  /** `3d`, `12h`, `2 weeks` or a date `2027-01-15` */
  lease?: string;
  /** Now (ms), to refuse a lease date in the past. */
  now?: number;
  maxLeaseMs?: number;
}

export type CloneFieldName = 'node' | 'template' | 'name' | 'storage' | 'pool' | 'user' | 'ip' | 'lease';

export type CloneFieldsResult =
  | { ok: true; request: CloneRequest }
  | { ok: false; errors: Partial<Record<CloneFieldName, string>> };

/**
 * Builds a clone request from the form's fields, each checked on its own. The fields are never joined into
 * command text and parsed again: a field holding "lab vmid 4242" would otherwise add an option nobody saw in
 * the form. Each field must be exactly one value of its kind (no spaces), so nothing can spill over.
 */
export function cloneRequestFromFields(fields: CloneFields): CloneFieldsResult {
  const errors: Partial<Record<CloneFieldName, string>> = {};
  const { node, template, name, storage } = fields;
  if (node === undefined) errors.node = 'Pick a node, then one of its templates.';
  else if (!isValidNodeName(node)) {
    errors.node = `'${showToken(node)}' is not a Proxmox node name (letters, digits and hyphens, e.g. pve1): pick a node from the list.`;
  }
  const ref = template === undefined ? undefined : parseTemplateRef(template);
  if (ref === undefined) errors.template = 'Pick a template.';
  else if ('error' in ref) errors.template = ref.error;
  if (name === undefined) errors.name = 'Give the new VM a name.';
  else if (!isValidDnsName(name)) {
    errors.name = `Not a valid DNS name: use letters, digits and hyphens, e.g. ${suggestDnsName(name)}`;
  }
  const options: Pick<CloneRequest, 'storage' | 'pool'> = {};
  for (const word of ['storage', 'pool'] as const) {
    const value = fields[word];
    if (value === undefined) continue;
    const checked = checkCloneOption(word, value);
    if (typeof checked === 'string') errors[word] = checked;
    else Object.assign(options, checked);
  }
  if (fields.mode === 'linked' && storage !== undefined && errors.storage === undefined) {
    errors.storage = linkedWithStorage(storage);
  }
  const setup = setupFromFields(fields, errors);
  if (Object.keys(errors).length > 0 || node === undefined || name === undefined || !ref || 'error' in ref) {
    return { ok: false, errors };
  }
  const request: CloneRequest = { template: ref, name, node, mode: fields.mode, ...options };
  if (Object.keys(setup).length > 0) request.setup = setup;
  return { ok: true, request };
}

/** The form's VM options, each field checked on its own with the command's own checks. */
function setupFromFields(fields: CloneFields, errors: Partial<Record<CloneFieldName, string>>): VmSetup {
  const setup: VmSetup = {};
  if (fields.start) setup.start = true;
  if (fields.sshKey) setup.sshKey = true;
  if (fields.user !== undefined) {
    const e = checkCloudInitUser(fields.user);
    if (e !== undefined) errors.user = e;
    else setup.ciUser = fields.user;
  }
  if (fields.ip !== undefined) {
    const [value, gw, gateway, ...more] = fields.ip.split(/\s+/);
    if (
      (gw !== undefined && gw.toLowerCase() !== 'gw') ||
      more.length > 0 ||
      (gw !== undefined && gateway === undefined)
    )
      errors.ip = 'Write dhcp, 10.0.0.5/24, or 10.0.0.5/24 gw 10.0.0.1';
    else {
      const ip = parseIpSetting(value, gateway);
      if ('error' in ip) errors.ip = ip.error;
      else setup.ip = ip;
    }
  }
  if (fields.lease !== undefined) {
    const at = parseUntil(fields.lease);
    const ms = at === undefined ? parseDuration(fields.lease.replace(/\s+/g, '')) : undefined;
    const lease: LeaseSpec | undefined =
      at !== undefined ? { kind: 'until', at } : ms !== undefined ? { kind: 'for', ms } : undefined;
    if (lease === undefined)
      errors.lease = `'${showToken(fields.lease)}' is neither a duration (3d, 12h, 2w) nor a date (2027-01-15)`;
    else {
      const e = checkLease(lease, fields.now ?? 0, fields.maxLeaseMs ?? DEFAULT_MAX_LEASE_MS);
      if (e !== undefined) errors.lease = e;
      else setup.lease = lease;
    }
  }
  return setup;
}
