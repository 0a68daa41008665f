import { checkCloudInitUser, parseIpSetting } from './ip-setting.ts';
import { checkLease, DEFAULT_MAX_LEASE_MS, formatDuration } from './lease.ts';
import type { CloneRequest } from './types.ts';

/** One template's rules (CLONE_POLICY_FILE); every field optional: absent = today's behaviour. */
export interface TemplatePolicy {
  /** Slack user, group or channel ids allowed to request it (empty/absent: anyone CLONE_REQUESTERS allows). */
  requesters?: string[];
  /** false: cloned without an approver. Absent: CLONE_REQUIRE_APPROVAL decides. */
  approval?: boolean;
  lease?: { defaultMs?: number; maxMs?: number };
  /** Start the clone unless the request says otherwise. */
  start?: boolean;
  cloudInit?: { user?: string; ip?: string };
  /** Per requester, over all their clonebot VMs. */
  quota?: { vms?: number; diskGiB?: number };
}

/** The whole file: defaults for every template, then per template (by VMID or name) overrides. */
export interface ClonePolicy {
  defaults: TemplatePolicy;
  templates: Record<string, TemplatePolicy>;
}

/** A template's effective rules: its own entry (by VMID, then name) over the defaults. */
export function policyFor(
  policy: ClonePolicy | undefined,
  template: { vmid: number; name?: string },
): TemplatePolicy {
  if (policy === undefined) return {};
  const own =
    policy.templates[String(template.vmid)] ??
    (template.name !== undefined ? policy.templates[template.name] : undefined) ??
    {};
  return {
    ...policy.defaults,
    ...own,
    lease: { ...policy.defaults.lease, ...own.lease },
    cloudInit: { ...policy.defaults.cloudInit, ...own.cloudInit },
    quota: { ...policy.defaults.quota, ...own.quota },
  };
}

/** The longest lease for a template (its policy's maximum, else DEFAULT_MAX_LEASE_MS). */
export const maxLeaseOf = (p: TemplatePolicy) => p.lease?.maxMs ?? DEFAULT_MAX_LEASE_MS;

/**
 * The longest lease for a VM of ours, from the template its record names (`clonebot-template:`, the
 * template's VMID after a clone, or the reference as typed): the same maximum the request was checked against.
 */
export function maxLeaseForRecord(policy: ClonePolicy | undefined, template: string): number {
  const vmid = /^\d+$/.test(template) ? Number(template) : -1;
  return maxLeaseOf(policyFor(policy, vmid >= 0 ? { vmid } : { vmid, name: template }));
}

/**
 * Applies a template's defaults to a request (start, lease, cloud-init user and ip, each only when the
 * request did not say) and checks its lease against the template's maximum. Returns the request to store, or
 * one line saying what is wrong (before anything is created).
 */
export function applyPolicy(
  request: CloneRequest,
  p: TemplatePolicy,
  now: number,
): CloneRequest | { error: string } {
  const setup = { ...request.setup };
  if (setup.start === undefined && p.start !== undefined) setup.start = p.start;
  if (setup.lease === undefined && p.lease?.defaultMs !== undefined)
    setup.lease = { kind: 'for', ms: p.lease.defaultMs };
  if (setup.ciUser === undefined && p.cloudInit?.user !== undefined) setup.ciUser = p.cloudInit.user;
  if (setup.ip === undefined && p.cloudInit?.ip !== undefined) {
    const [value, , gateway] = p.cloudInit.ip.split(/\s+/);
    const ip = parseIpSetting(value, gateway);
    if (!('error' in ip)) setup.ip = ip;
  }
  if (setup.lease !== undefined) {
    const problem = checkLease(setup.lease, now, maxLeaseOf(p));
    if (problem !== undefined)
      return { error: `${problem} (this template's maximum lease is ${formatDuration(maxLeaseOf(p))})` };
  }
  const out: CloneRequest = { ...request };
  if (setup.start === false) delete setup.start;
  if (Object.keys(setup).length > 0) out.setup = setup;
  return out;
}

/** Checks a policy's own values that zod's shape cannot (a cloud-init user cloud-init would refuse, a bad ip). */
export function policyValueProblems(p: TemplatePolicy, where: string): string[] {
  const out: string[] = [];
  if (p.cloudInit?.user !== undefined) {
    const e = checkCloudInitUser(p.cloudInit.user);
    if (e) out.push(`${where}.cloudInit.user: ${e}`);
  }
  if (p.cloudInit?.ip !== undefined) {
    const [value, gw, gateway] = p.cloudInit.ip.split(/\s+/);
    const ip =
      gw !== undefined && gw !== 'gw'
        ? { error: "write 'dhcp' or 'A/N gw G'" }
        : parseIpSetting(value, gateway);
    if ('error' in ip) out.push(`${where}.cloudInit.ip: ${ip.error}`);
  }
  if (p.lease?.defaultMs !== undefined && p.lease.maxMs !== undefined && p.lease.defaultMs > p.lease.maxMs)
    out.push(`${where}.lease: the default is longer than the maximum`);
  return out;
}
