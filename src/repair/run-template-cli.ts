import type { CliIo } from '../cli/cli-command.ts';
import { EXIT } from '../cli/cli-command.ts';
import type { TemplateCliArgs } from '../cli/commands/template-command.ts';
import { openProxmox } from '../cli/open-proxmox.ts';
import { renderRepairRefusal, renderRepairResult } from '../cli/render-repair-result.ts';
import { systemClock } from '../clock.ts';
import { createCloneEngine } from '../clone/create-clone-engine.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { describeRepairPlan } from '../core/describe-repair-plan.ts';
import type { RepairRefusalCode } from '../core/repair-types.ts';
import { createNodeSlots, type NodeSlots } from '../jobs/node-slots.ts';
import { createRedis, type RedisConfig, redisConfigured } from '../redis/create-redis.ts';
import { memoryNodeSlots } from './memory-node-slots.ts';
import { planLiveRepair } from './plan-live-repair.ts';
import { createRepairQueue } from './repair-queue.ts';
import { runRepair } from './run-repair.ts';
import { syncTemplate } from './sync-template.ts';
import { withNodeSlots } from './with-node-slots.ts';

// Nothing to do is a success: the copy the command asked for is there and healthy.
const NOTHING_TO_DO: readonly RepairRefusalCode[] = ['already-healthy'];

/**
 * `template repair` / `template sync`: config (proxmox, clone, health, log; Redis only with REDIS_URL or REDIS_SENTINELS, so the
 * per-node slots are shared with the bot's clone workers), the plan printed first, then the repair(s) with
 * progress lines and the result. Exit 0 repaired (or nothing to do), 1 failed, 2 bad input.
 */
export async function runTemplateCli(args: TemplateCliArgs, io: CliIo): Promise<number> {
  let config: ReturnType<typeof loadConfig<'proxmox' | 'clone' | 'health' | 'log'>>;
  let redisConfig: RedisConfig | undefined;
  try {
    config = loadConfig(io.env, ['proxmox', 'clone', 'health', 'log']);
    if (redisConfigured(io.env)) redisConfig = loadConfig(io.env, ['redis']).redis;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(error.message);
    return EXIT.usage;
  }
  const opened = openProxmox(config);
  if (!opened.ok) {
    io.err(opened.message);
    return EXIT.usage;
  }
  const { logger, client: proxmox } = opened;
  const engine = createCloneEngine({ proxmox, clock: systemClock, logger, config: config.clone });
  const redis =
    redisConfig === undefined
      ? undefined
      : createRedis(redisConfig, 'cli', { maxRetriesPerRequest: 1, connectTimeout: 3000 });
  const repairQueue = redis ? createRepairQueue(redis, { logger }) : undefined;
  const slots: NodeSlots = redis ? createNodeSlots(redis, {}) : memoryNodeSlots();
  const live = {
    proxmox,
    lockStuckMs: config.health.lockStuckMs,
    templateNodeIds: config.clone.templateNodeIds,
  };
  // Task polls are cheap (one GET on the task's node): once a second keeps a step's end prompt.
  const repairDeps = { proxmox, engine, clock: systemClock, logger, pollMs: 1000 };
  const slotDeps = { slots, limitPerNode: config.clone.concurrencyPerNode, clock: systemClock, logger };
  try {
    if (args.action === 'sync') {
      const report = await syncTemplate({ repair: repairDeps, slots: slotDeps, live }, args.base, {
        signal: io.signal,
        onEvent: (e) => {
          if (e.kind === 'planned') for (const l of e.lines) io.out(`[${e.node}] ${l}`);
          else if (e.kind === 'waiting') io.out(`[${e.node}] waiting for room on ${e.full}`);
          else if (e.kind === 'progress') io.out(`[${e.node}] ${e.progress.message}`);
          else if (e.kind === 'finished')
            for (const l of renderRepairResult(e.result)) io.out(`[${e.node}] ${l}`);
          else for (const l of renderRepairRefusal(e.refusal)) io.out(`[${e.node}] skipped: ${l}`);
        },
      });
      if (report.refusal) {
        for (const l of renderRepairRefusal(report.refusal)) io.err(l);
        return EXIT.usage;
      }
      const made = report.outcomes.filter((o) => o.result?.ok).length;
      const failed = report.outcomes.filter((o) => o.result && !o.result.ok).length;
      const skipped = report.outcomes.filter((o) => o.refusal).length;
      io.out(
        report.outcomes.length === 0
          ? `Base ${args.base}: every online node has its copy; nothing to do`
          : `Base ${args.base}: ${made} cop${made === 1 ? 'y' : 'ies'} made, ${failed} failed, ${skipped} skipped (at most ${report.peakConcurrent} at once)`,
      );
      return failed > 0 ? EXIT.failed : EXIT.ok;
    }
    // With REDIS_URL, the bot's repair queue says whether this copy's repair is already queued or running.
    const running = await repairQueue?.status(args.base, args.node);
    if (running !== undefined) {
      io.err(`Nothing started: ${running.replace(/<@([A-Z0-9]+)>/g, '$1')}`);
      return EXIT.usage;
    }
    const planned = await planLiveRepair(
      { ...live, now: systemClock.now() },
      args.base,
      args.node,
      args.replace,
    );
    if (!planned.ok) {
      const ok = NOTHING_TO_DO.includes(planned.refusal.code);
      for (const l of renderRepairRefusal(planned.refusal)) (ok ? io.out : io.err)(l);
      return ok ? EXIT.ok : EXIT.usage;
    }
    for (const l of describeRepairPlan(planned.plan)) io.out(l);
    if (args.dryRun) {
      io.out('dry run: nothing was changed');
      return EXIT.ok;
    }
    const plan = planned.plan;
    const result = await withNodeSlots(
      slotDeps,
      [plan.source.node, plan.node],
      `repair:${plan.base}:${plan.node}`,
      () => runRepair(repairDeps, plan, { signal: io.signal, onProgress: (p) => io.out(p.message) }),
      (full) =>
        io.out(`waiting for room on ${full} (CLONE_CONCURRENCY_PER_NODE=${config.clone.concurrencyPerNode})`),
      io.signal,
    );
    for (const l of renderRepairResult(result)) io.out(l);
    return result.ok ? EXIT.ok : EXIT.failed;
  } catch (error) {
    io.err(`Repair failed: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failed;
  } finally {
    engine.close();
    await repairQueue?.close();
    redis?.disconnect();
    await proxmox.close();
  }
}
