import { describeRepairPlan } from '../core/describe-repair-plan.ts';
import { planRepair } from '../core/repair-plan.ts';
import type { RepairProgress, RepairRefusal, RepairResult } from '../core/repair-types.ts';
import { type LiveRepairDeps, readRepairState } from './plan-live-repair.ts';
import { type RepairDeps, runRepair } from './run-repair.ts';
import { type SlotDeps, withNodeSlots } from './with-node-slots.ts';

/** What a sync needs: the repair's own dependencies, the shared node slots, and how to read the cluster. */
export interface SyncDeps {
  repair: RepairDeps;
  slots: SlotDeps;
  live: Omit<LiveRepairDeps, 'now'>;
}

/** Something a sync tells its caller as it goes. */
export type SyncEvent =
  | { kind: 'planned'; node: string; lines: string[] }
  | { kind: 'waiting'; node: string; full: string }
  | { kind: 'progress'; node: string; progress: RepairProgress }
  | { kind: 'finished'; node: string; result: RepairResult }
  | { kind: 'skipped'; node: string; refusal: RepairRefusal };

/** One node's outcome: repaired, failed, or not attempted (and why). */
export interface SyncOutcome {
  node: string;
  result?: RepairResult;
  refusal?: RepairRefusal;
}

/** What a whole sync did. */
export interface SyncReport {
  base: number;
  outcomes: SyncOutcome[];
  durationMs: number;
  /** Most repairs running at one moment. */
  peakConcurrent: number;
  /** Set when nothing could be attempted at all (unknown base, no healthy copy): the first refusal. */
  refusal?: RepairRefusal;
}

/**
 * `template sync <base>`: makes every missing copy of `base` on every online node with a node id. Copies
 * that exist (broken or not) are left alone: replacing one needs an approver's confirmation. Repairs run
 * as many at once as the per-node limits allow, each from a healthy copy whose node has room; every copy
 * made becomes a source for the rest, so a sync over n nodes takes about log2(n) rounds, not n.
 */
export async function syncTemplate(
  deps: SyncDeps,
  base: number,
  options: { onEvent?: (e: SyncEvent) => void; signal?: AbortSignal } = {},
): Promise<SyncReport> {
  const { clock } = deps.repair;
  const startedAt = clock.now();
  const emit = (e: SyncEvent) => options.onEvent?.(e);
  const read = () => readRepairState({ ...deps.live, now: clock.now() });
  const state = await read();
  const missing = state.report.nodes
    .filter((n) => n.findings.some((f) => f.code === 'copy-missing' && f.base === base))
    .map((n) => n.node);
  const outcomes: SyncOutcome[] = [];
  // The plan says why when there is no copy to start from (unknown base, no healthy copy, bad base).
  const probe = planRepair({ base, node: missing[0] ?? state.health.nodes[0]?.node ?? '', ...state });
  if (!probe.ok && ['bad-base', 'unknown-base', 'no-healthy-copy'].includes(probe.refusal.code))
    return { base, outcomes, durationMs: clock.now() - startedAt, peakConcurrent: 0, refusal: probe.refusal };

  const sources = new Map<string, number>();
  for (const t of state.report.nodes.flatMap((n) => n.templates))
    if (t.base === base && t.healthy) sources.set(t.node, 0);
  const pending = [...missing];
  const running = new Set<Promise<void>>();
  let peak = 0;
  const limit = deps.slots.limitPerNode;

  while (pending.length > 0 || running.size > 0) {
    if (options.signal?.aborted) pending.length = 0;
    const free = [...sources].filter(([, load]) => load < limit).sort((a, b) => a[1] - b[1]);
    const sourceNode = free[0]?.[0];
    const node = sourceNode === undefined ? undefined : pending.shift();
    if (node === undefined || sourceNode === undefined) {
      if (running.size === 0) break;
      await Promise.race(running);
      continue;
    }
    const planned = planRepair({ base, node, sourceNode, ...(await read()) });
    if (!planned.ok) {
      outcomes.push({ node, refusal: planned.refusal });
      emit({ kind: 'skipped', node, refusal: planned.refusal });
      continue;
    }
    const plan = planned.plan;
    emit({ kind: 'planned', node, lines: describeRepairPlan(plan) });
    sources.set(sourceNode, (sources.get(sourceNode) ?? 0) + 1);
    const job = (async () => {
      const result: RepairResult = await withNodeSlots(
        deps.slots,
        [plan.source.node, node],
        `repair:${base}:${node}`,
        () =>
          runRepair(deps.repair, plan, {
            onProgress: (progress) => emit({ kind: 'progress', node, progress }),
            ...(options.signal === undefined ? {} : { signal: options.signal }),
          }),
        (full) => emit({ kind: 'waiting', node, full }),
      ).catch((error: unknown) => ({
        ok: false as const,
        base,
        node,
        vmid: plan.targetVmid,
        error: `the repair stopped on an unexpected error: ${error instanceof Error ? error.message : String(error)}`,
        leftBehind: `unknown: look for VM ${plan.targetVmid}`,
        durationMs: clock.now() - startedAt,
      }));
      outcomes.push({ node, result });
      emit({ kind: 'finished', node, result });
      sources.set(sourceNode, (sources.get(sourceNode) ?? 1) - 1);
      if (result.ok) sources.set(node, 0);
    })();
    const tracked = job.finally(() => running.delete(tracked));
    running.add(tracked);
    peak = Math.max(peak, running.size);
  }
  outcomes.sort((a, b) => a.node.localeCompare(b.node));
  return { base, outcomes, durationMs: clock.now() - startedAt, peakConcurrent: peak };
}
