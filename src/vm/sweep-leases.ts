import { createAudit } from '../audit-log.ts';
import type { Clock } from '../clock.ts';
import { formatInstant } from '../core/lease.ts';
import { type ClonePolicy, maxLeaseForRecord } from '../core/template-policy.ts';
import { describeNotOurs } from '../core/vm-record.ts';
import type { Logger } from '../logger.ts';
import { destroyOurVm } from './destroy-our-vm.ts';
import { findOurVms } from './find-our-vms.ts';
import type { LeaseNotifier, OurVm, VmLifecycleProxmox } from './types.ts';

/**
 * Remembers which owner DMs went out: an expiry warning (one per VM, request and lease end), and a refused or
 * failed expiry (one per VM, request, lease end and reason), so sweeps every few minutes tell the owner once.
 */
export interface WarnedLedger {
  /** True the first time for this key (then remembered), false after. */
  claim(key: string): Promise<boolean>;
  /** Forgets a claim whose DM failed, so the next sweep tries it again. */
  release(key: string): Promise<void>;
}

/** A ledger in memory: enough for one process (a cron CLI without Redis warns, and DMs refusals, on every run). */
export function memoryLedger(): WarnedLedger {
  const seen = new Set<string>();
  return {
    claim: async (key) => {
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    },
    release: async (key) => void seen.delete(key),
  };
}

export interface SweepDeps {
  proxmox: VmLifecycleProxmox;
  clock: Clock;
  logger: Logger;
  notifier: LeaseNotifier;
  ledger: WarnedLedger;
  /** Warn the owner this long before the end (default 24 h). */
  warnBeforeMs?: number;
  /** CLONE_POLICY_FILE: each VM's template maximum bounds the warning's Extend button (absent: the default). */
  policy?: ClonePolicy;
  taskTimeoutMs?: number;
  pollMs?: number;
}

/** What one sweep saw and did; `failed` makes the CLI exit 1. */
export interface SweepReport {
  checked: number;
  warned: number[];
  deleted: number[];
  /** Ours but left alone (locked at expiry, or changed since listed), or tagged but not provably ours. */
  refused: { vmid: number; node: string; reason: string }[];
  failed: { vmid: number; node: string; reason: string }[];
}

/**
 * One lease sweep: find our VMs (one /cluster/resources, one config per tagged VM); warn owners of leases
 * ending within `warnBeforeMs`; stop and delete expired ones, each followed to its end; report, never
 * touch, what is not provably ours or is locked. Every expiry, deletion and refusal is audited.
 */
export async function sweepLeases(deps: SweepDeps): Promise<SweepReport> {
  const { clock, logger, notifier } = deps;
  const now = clock.now();
  const warnBefore = deps.warnBeforeMs ?? 24 * 3_600_000;
  const report: SweepReport = { checked: 0, warned: [], deleted: [], refused: [], failed: [] };
  const found = await findOurVms(deps.proxmox);
  report.checked = found.ours.length;
  const audit = createAudit(logger, clock);
  // A DM told once (a warning, a refusal): claimed before it is sent, so two sweeps never both send it, and
  // released when sending failed (Slack down, 5xx, ratelimited past the retries), or that owner would never
  // be told and the VM could go at expiry unwarned. `told`: whether a DM went out this time (not when told
  // before, nor for an owner nobody can DM, whose claim stays: trying again would change nothing).
  const dmOnce = async (key: string, send: () => Promise<boolean>) => {
    if (!(await deps.ledger.claim(key))) return { first: false, told: false };
    try {
      return { first: true, told: await send() };
    } catch (err) {
      await deps.ledger
        .release(key)
        .catch((e: unknown) =>
          logger.warn({ err: e, key }, 'could not release a failed DM: it is not retried'),
        );
      return { first: true, told: false, dmError: (err as Error).message ?? String(err) };
    }
  };
  // The sweep retries a refused or failed expiry every time and audits each attempt, but tells the owner once
  // per lease end and reason: a new end (an extension) or a different reason is news again.
  const tellOwner = async (vm: OurVm, end: number, kind: string, reason: string) => {
    const dm = await dmOnce(`refused:${vm.vmid}:${vm.ownership.requestId}:${end}:${kind}`, () =>
      notifier.refused(vm, reason, vm.ownership.ownerId),
    );
    return { ownerTold: dm.told, ...(dm.dmError !== undefined ? { dmError: dm.dmError } : {}) };
  };
  for (const s of found.strangers) {
    const reason = `tagged clonebot, but ${describeNotOurs(s.why)}: left alone`;
    report.refused.push({ vmid: s.vmid, node: s.node, reason });
    audit({ vmid: s.vmid, node: s.node, reason }, `lease sweep: VM ${s.vmid} not touched`);
  }
  for (const vm of found.ours) {
    const end = vm.ownership.expiresAt;
    if (end === undefined) continue;
    const base = {
      vmid: vm.vmid,
      node: vm.node,
      requestId: vm.ownership.requestId,
      owner: vm.ownership.ownerId,
    };
    if (end > now) {
      if (end - now > warnBefore) continue;
      const dm = await dmOnce(`${vm.vmid}:${vm.ownership.requestId}:${end}`, () =>
        notifier.expiring(vm, now + maxLeaseForRecord(deps.policy, vm.ownership.template)),
      );
      if (!dm.first) continue;
      const fields = { ...base, expiresAt: new Date(end).toISOString(), ownerTold: dm.told };
      if (dm.dmError !== undefined) {
        audit(
          { ...fields, dmError: dm.dmError },
          `lease of VM ${vm.vmid} ends ${formatInstant(end)}: the owner could not be warned (the DM failed): the next sweep tries again`,
          'warn',
        );
        continue;
      }
      report.warned.push(vm.vmid);
      audit(fields, `lease of VM ${vm.vmid} ends ${formatInstant(end)}: owner warned`);
      continue;
    }
    if (vm.lock !== undefined) {
      const reason = `lease ended ${formatInstant(end)}, but the VM is locked (${vm.lock}): not deleted (a lock is never broken); the next sweep tries again`;
      report.refused.push({ vmid: vm.vmid, node: vm.node, reason });
      const told = await tellOwner(vm, end, `locked:${vm.lock}`, reason);
      audit({ ...base, lock: vm.lock, ...told }, `lease sweep: VM ${vm.vmid} ${reason}`);
      continue;
    }
    const outcome = await destroyOurVm(
      {
        proxmox: deps.proxmox,
        clock,
        ...(deps.taskTimeoutMs !== undefined ? { taskTimeoutMs: deps.taskTimeoutMs } : {}),
        ...(deps.pollMs !== undefined ? { pollMs: deps.pollMs } : {}),
      },
      vm,
    );
    if (outcome.kind === 'gone') {
      // Someone removed it first: nothing was deleted by us, so no deletion is claimed nor DMed.
      report.deleted.push(vm.vmid);
      audit(
        { ...base, expiredAt: new Date(end).toISOString() },
        `lease of VM ${vm.vmid} expired: it was already gone, nothing deleted`,
      );
    } else if (outcome.kind === 'deleted') {
      report.deleted.push(vm.vmid);
      audit(
        { ...base, expiredAt: new Date(end).toISOString(), upid: outcome.upid },
        `lease of VM ${vm.vmid} expired: stopped and deleted`,
      );
      await notifier
        .expired(vm, `stopped and deleted (lease ended ${formatInstant(end)})`)
        .catch((err: unknown) => logger.warn({ err, ...base }, 'could not tell the owner'));
    } else if (outcome.kind === 'refused') {
      report.refused.push({ vmid: vm.vmid, node: vm.node, reason: outcome.reason });
      // destroyOurVm's reasons are fixed words per cause (lock, protection, changed record): the reason is the kind.
      const told = await tellOwner(vm, end, outcome.reason, outcome.reason);
      audit({ ...base, reason: outcome.reason, ...told }, `lease sweep: VM ${vm.vmid} not deleted`);
    } else {
      const reason = `${outcome.step} failed: ${outcome.message}`;
      report.failed.push({ vmid: vm.vmid, node: vm.node, reason });
      // Keyed by the step, not Proxmox's message, whose details may differ from one attempt to the next.
      const told = await tellOwner(
        vm,
        end,
        `failed:${outcome.step}`,
        `the lease ended but deleting failed (${reason}); the next sweep tries again`,
      );
      audit({ ...base, reason, ...told }, `lease sweep: VM ${vm.vmid} could not be deleted`, 'warn');
    }
  }
  return report;
}
