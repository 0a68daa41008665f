import type { OpsServer } from '../ops/serve-ops-routes.ts';
import type { Adapters } from './create-adapters.ts';
import type { BotParts } from './start-bot.ts';
import type { WorkerParts } from './start-worker.ts';

/** What stopServices stops: the adapters, and whichever of the bot, worker and ops server this mode started. */
export interface RunningParts {
  adapters: Adapters;
  bot?: BotParts;
  worker?: WorkerParts;
  opsServer?: OpsServer;
  stopReconciler: () => void;
}

/**
 * Shutdown in dependency order: timers, then the clone worker (draining up to `drainTimeoutMs`), the outbox,
 * the health worker, the app and ops server, and last the adapters and Redis.
 */
export async function stopServices(
  parts: RunningParts,
  options: { drainTimeoutMs?: number } = {},
): Promise<void> {
  const { adapters, bot, worker } = parts;
  const { logger } = adapters;
  bot?.stopSweeper();
  worker?.stopRedelivery();
  worker?.stopCloningReconciler();
  worker?.stopLeaseSweep();
  parts.stopReconciler();
  // Stop taking work first; the app still answers clicks while the worker drains.
  await worker?.worker.close(
    options.drainTimeoutMs !== undefined ? { drainTimeoutMs: options.drainTimeoutMs } : {},
  );
  // After the clone worker: the results its last jobs handed over are in Redis, delivered by any worker.
  await worker?.outbox.close();
  await worker?.healthWorker.close();
  await worker?.repairWorker.close();
  await worker?.replicaWait?.close();
  await bot?.app.stop().catch((err: unknown) => logger.warn({ err: String(err) }, 'app stop failed'));
  await bot?.opsServer?.close().catch(() => undefined);
  await parts.opsServer?.close().catch(() => undefined);
  await adapters.queue.close();
  await adapters.repairQueue.close();
  adapters.engine.close();
  await adapters.proxmox.close();
  await Promise.all(
    [adapters.redis.quit(), adapters.workerRedis?.quit()].map((p) => p?.catch(() => undefined)),
  );
  logger.info({ mode: adapters.mode }, 'pve-clonebot stopped');
}
