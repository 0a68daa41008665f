import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { type ReadinessCheck, runReadinessChecks } from './run-readiness-checks.ts';

/** What /healthz probes and what /metrics serves. */
export interface OpsRoutesOptions {
  metrics: Pick<Metrics, 'registry'>;
  /** Each must resolve when its dependency answers; at least `redis` and `proxmox`. */
  checks: { redis: ReadinessCheck; proxmox: ReadinessCheck } & Record<string, ReadinessCheck>;
  /** Per-check limit; below Docker's HEALTHCHECK timeout so the answer is a 503 with reasons, not a hang. */
  timeoutMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** A route as Bolt's `customRoutes` takes it (also served as is by serveOpsRoutes). */
export type OpsRoute = CustomRoute & { handler: (req: IncomingMessage, res: ServerResponse) => void };

const DEFAULT_TIMEOUT_MS = 3000;

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/**
 * `/healthz`: 200 `{status:'ok',checks:{redis:'ok',proxmox:'ok'}}`, or 503 `{status:'fail',checks}` naming each
 * failed check and why; `/metrics`: the registry in Prometheus text format. For Bolt's `customRoutes`.
 */
export function createOpsRoutes(options: OpsRoutesOptions): OpsRoute[] {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { registry } = options.metrics;

  const healthz = async (res: ServerResponse): Promise<void> => {
    const report = await runReadinessChecks(options.checks, timeoutMs, options.clock);
    if (!report.ok) options.logger?.warn({ checks: report.checks }, 'health check failed');
    const body = JSON.stringify({ status: report.ok ? 'ok' : 'fail', checks: report.checks });
    send(res, report.ok ? 200 : 503, 'application/json; charset=utf-8', body);
  };

  const metrics = async (res: ServerResponse): Promise<void> => {
    send(res, 200, registry.contentType, await registry.metrics());
  };

  // Bolt calls handlers without awaiting them: answer 500 ourselves rather than leave a rejected promise.
  const guard =
    (name: string, run: (res: ServerResponse) => Promise<void>) =>
    (_req: IncomingMessage, res: ServerResponse): void => {
      run(res).catch((error: unknown) => {
        options.logger?.error({ err: error }, `${name} failed`);
        if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `${name} failed\n`);
        else res.destroy();
      });
    };

  return [
    { path: '/healthz', method: ['GET'], handler: guard('/healthz', healthz) },
    { path: '/metrics', method: ['GET'], handler: guard('/metrics', metrics) },
  ];
}
