import { createAudit } from '../audit-log.ts';
import type { Clock } from '../clock.ts';
import { leaseExpiry } from '../core/lease.ts';
import type { CloneRequest, CloneSuccess, VmReadiness } from '../core/types.ts';
import { formatTemplateRef } from '../core/template-ref.ts';
import { type VmOwnership, vmDescription } from '../core/vm-record.ts';
import type { Logger } from '../logger.ts';
import { type PrepareVmProxmox, type PrepareVmTimings, prepareVm } from './prepare-vm.ts';

/** Who asked and who approved: what the owner record needs besides the clone itself. */
export interface VmRequestFacts {
  requestId: string;
  request: CloneRequest;
  ownerId: string;
  ownerName?: string;
  approverId?: string;
}

/** Runs after a successful clone; never throws (an unexpected error is reported in the readiness). */
export type VmPreparer = (
  facts: VmRequestFacts,
  success: CloneSuccess,
  signal?: AbortSignal,
) => Promise<VmReadiness>;

/** The ownership record a clone gets: request, owner, approver, template, and the lease's end from now. */
export function ownershipFor(facts: VmRequestFacts, success: CloneSuccess, now: number): VmOwnership {
  return ownership(facts, String(success.templateVmid), now);
}

/**
 * The description the clone POST carries (Proxmox's clone takes `description`, not tags): the VM names its
 * request from its first moment, so a Delete button can tell this request's leftover from a VM that reuses
 * its VMID or name. The template as typed (not yet resolved) and the lease from the start; the record
 * written after a successful clone replaces it with the exact values.
 */
export function cloneTimeDescription(facts: VmRequestFacts, now: number): string {
  return vmDescription(ownership(facts, formatTemplateRef(facts.request.template), now));
}

function ownership(facts: VmRequestFacts, template: string, now: number): VmOwnership {
  const o: VmOwnership = { requestId: facts.requestId, ownerId: facts.ownerId, template };
  if (facts.ownerName !== undefined) o.ownerName = facts.ownerName;
  if (facts.approverId !== undefined) o.approverId = facts.approverId;
  const lease = facts.request.setup?.lease;
  if (lease !== undefined) o.expiresAt = leaseExpiry(lease, now);
  return o;
}

/** The step after a clone, as the worker and the CLI run it. */
export function createVmPreparer(deps: {
  proxmox: PrepareVmProxmox;
  clock: Clock;
  logger: Logger;
  timings?: PrepareVmTimings;
}): VmPreparer {
  return async (facts, success, signal) => {
    const ownership = ownershipFor(facts, success, deps.clock.now());
    try {
      const readiness = await prepareVm(
        {
          proxmox: deps.proxmox,
          clock: deps.clock,
          ...(deps.timings ? { timings: deps.timings } : {}),
          ...(signal ? { signal } : {}),
        },
        {
          node: success.node,
          vmid: success.vmid,
          ownership,
          ...(facts.request.setup ? { setup: facts.request.setup } : {}),
        },
      );
      createAudit(deps.logger, deps.clock)(
        {
          requestId: facts.requestId,
          vmid: success.vmid,
          owner: facts.ownerId,
          expiresAt:
            ownership.expiresAt === undefined ? undefined : new Date(ownership.expiresAt).toISOString(),
          owned: readiness.owned,
          start: readiness.start,
          agent: readiness.agent,
        },
        // A VM without its record has no owner and no lease: the audit log must not claim one.
        `VM ${success.vmid}: owner record ${readiness.owned ? 'written' : `not written: ${readiness.ownError ?? 'unknown error'}`}${readiness.start === 'started' ? ', started' : ''}`,
        readiness.owned ? 'info' : 'warn',
      );
      return readiness;
    } catch (err) {
      deps.logger.warn(
        { err, requestId: facts.requestId, vmid: success.vmid },
        'could not prepare the cloned VM',
      );
      return { owned: false, ownError: (err as Error).message };
    }
  };
}
