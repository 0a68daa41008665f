import { checkQuota, type QuotaWording } from '../core/quota.ts';
import { applyPolicy, type ClonePolicy, policyFor } from '../core/template-policy.ts';
import type { CloneRequest } from '../core/types.ts';
import { type QuotaDeps, readQuota } from './read-quota.ts';

/** What a clone's owner asks, once its template is found. */
export interface PolicyAsk {
  request: CloneRequest;
  template: { vmid: number; name?: string };
  ownerId: string;
  now: number;
}

/**
 * A template's rules (CLONE_POLICY_FILE) applied to a request before anything is created, the same for
 * Slack's /clone and the CLI's clone: its defaults (start, lease, cloud-init user and ip), its maximum lease,
 * then its quota over the owner's VMs and requests in flight (when `deps` can read them). The request to
 * clone, or the one line refusing it. Who may ask and whether it needs an approver are the caller's.
 */
export async function applyClonePolicy(
  deps: QuotaDeps | undefined,
  file: ClonePolicy | undefined,
  ask: PolicyAsk,
  wording?: QuotaWording,
): Promise<{ request: CloneRequest } | { error: string }> {
  const applied = applyPolicy(ask.request, policyFor(file, ask.template), ask.now);
  if ('error' in applied) return applied;
  if (deps === undefined) return { request: applied };
  const q = await readQuota(deps, file, { ownerId: ask.ownerId, templateVmid: ask.template.vmid });
  const refused = q && checkQuota(q.policy, q.use, q.newDiskBytes, wording);
  return refused === undefined ? { request: applied } : { error: refused };
}
