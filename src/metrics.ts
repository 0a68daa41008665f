import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CloneResult } from './core/types.ts';

/** Where the queue depth comes from (CloneQueue.depth): read when Prometheus scrapes, not on a timer. */
export type QueueDepthSource = () => Promise<number>;

/** One Proxmox API request as the transport reports it (structurally ProxmoxRequestEvent). */
export interface ProxmoxCallEvent {
  method: string;
  status?: number;
  ok: boolean;
}

/** The process's Prometheus metrics, one registry per process (bot, worker, or both). */
export interface Metrics {
  readonly registry: Registry;
  readonly cloneDuration: Histogram<'outcome'>;
  readonly cloneOutcomes: Counter<'outcome' | 'reason'>;
  readonly queueDepth: Gauge;
  readonly proxmoxCalls: Counter<'method' | 'status_class'>;
  readonly proxmoxErrors: Counter<'method' | 'status_class'>;
  readonly slackCalls: Counter<'method'>;
  readonly slackErrors: Counter<'method' | 'error'>;
  /** Counts a finished clone and observes its duration; outcome `success` (reason `ok`), `cancelled`, `failure`. */
  recordClone(result: CloneResult): void;
  /** Counts one Proxmox request; a request without an HTTP status (network, TLS, timeout) is an error. */
  recordProxmoxCall(event: ProxmoxCallEvent): void;
  /** Counts one Slack Web API call; `error` set (e.g. `ratelimited`, `invalid_blocks`) counts an error too. */
  recordSlackCall(method: string, error?: string): void;
  /** Slack deliveries (the outbox): final replies, request-message and progress edits, by how they ended. */
  readonly deliveries: Counter<'kind' | 'outcome'>;
  recordDelivery(kind: string, outcome: string): void;
  /** Sets (or replaces) what the queue depth gauge reads at scrape time. */
  setQueueDepthSource(source: QueueDepthSource): void;
}

/** Options for createMetrics. */
export interface MetricsOptions {
  queueDepth?: QueueDepthSource;
  /** Node.js process metrics (CPU, memory, event loop lag); on by default. */
  defaultMetrics?: boolean;
}

// Clones run from seconds (linked) to an hour or more (large full clones on slow storage).
const CLONE_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
// Label values must stay a small set: anything unexpected collapses to `other`.
const SLACK_METHOD = /^[a-z]+(\.[A-Za-z]+)+$/;
const SLACK_ERROR = /^[a-z_]{1,48}$/;
const HTTP_METHOD = /^(GET|POST|PUT|DELETE)$/;

/** `2xx`, `4xx`, … for an HTTP status; `none` when no answer came (network, TLS, timeout). */
export function statusClass(status: number | undefined): string {
  if (status === undefined || !Number.isInteger(status) || status < 100 || status > 599) return 'none';
  return `${Math.floor(status / 100)}xx`;
}

/** Builds a fresh registry with every pve-clonebot metric (prefix `clonebot_`) and, by default, process metrics. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  let depthSource = options.queueDepth;

  const cloneDuration = new Histogram({
    name: 'clonebot_clone_duration_seconds',
    help: 'Time from the start of a clone to its result, by outcome',
    labelNames: ['outcome'] as const,
    buckets: CLONE_BUCKETS,
    registers: [registry],
  });
  const cloneOutcomes = new Counter({
    name: 'clonebot_clone_outcomes_total',
    help: 'Finished clones by outcome (success, failure, cancelled) and reason ("ok" for successes)',
    labelNames: ['outcome', 'reason'] as const,
    registers: [registry],
  });
  const queueDepth = new Gauge({
    name: 'clonebot_queue_depth',
    help: 'Clone jobs waiting, delayed or running in the queue',
    registers: [registry],
    async collect() {
      if (depthSource === undefined) return;
      // A Redis hiccup must not fail the whole scrape: report NaN for this one gauge instead.
      this.set(await depthSource().catch(() => Number.NaN));
    },
  });
  const proxmoxCalls = new Counter({
    name: 'clonebot_proxmox_api_calls_total',
    help: 'Proxmox API requests by HTTP method and status class (none = no answer)',
    labelNames: ['method', 'status_class'] as const,
    registers: [registry],
  });
  const proxmoxErrors = new Counter({
    name: 'clonebot_proxmox_api_errors_total',
    help: 'Proxmox API requests that failed, by HTTP method and status class (none = no answer)',
    labelNames: ['method', 'status_class'] as const,
    registers: [registry],
  });
  const slackCalls = new Counter({
    name: 'clonebot_slack_api_calls_total',
    help: 'Slack Web API calls (each attempt, retries included) by method',
    labelNames: ['method'] as const,
    registers: [registry],
  });
  const slackErrors = new Counter({
    name: 'clonebot_slack_api_errors_total',
    help: 'Slack Web API calls that failed, by method and Slack error code (ratelimited = HTTP 429)',
    labelNames: ['method', 'error'] as const,
    registers: [registry],
  });

  const deliveries = new Counter({
    name: 'clonebot_slack_deliveries_total',
    help: 'Slack deliveries by kind (final, parent, progress) and outcome (delivered, fallback, skipped, retried, abandoned)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  });

  return {
    registry,
    deliveries,
    recordDelivery(kind, outcome) {
      deliveries.inc({ kind, outcome });
    },
    cloneDuration,
    cloneOutcomes,
    queueDepth,
    proxmoxCalls,
    proxmoxErrors,
    slackCalls,
    slackErrors,
    recordClone(result) {
      // A user's cancel is not a failure: an alert on failures must not fire because someone changed their mind.
      const outcome = result.ok
        ? 'success'
        : result.diagnosis.reason === 'cancelled'
          ? 'cancelled'
          : 'failure';
      const reason = result.ok ? 'ok' : result.diagnosis.reason;
      cloneOutcomes.inc({ outcome, reason });
      cloneDuration.observe({ outcome }, Math.max(0, result.durationMs) / 1000);
    },
    recordProxmoxCall(event) {
      const method = HTTP_METHOD.test(event.method.toUpperCase()) ? event.method.toUpperCase() : 'other';
      const labels = { method, status_class: statusClass(event.status) };
      proxmoxCalls.inc(labels);
      if (!event.ok) proxmoxErrors.inc(labels);
    },
    recordSlackCall(method, error) {
      const m = SLACK_METHOD.test(method) ? method : 'other';
      slackCalls.inc({ method: m });
      if (error !== undefined)
        slackErrors.inc({ method: m, error: SLACK_ERROR.test(error) ? error : 'other' });
    },
    setQueueDepthSource(source) {
      depthSource = source;
    },
  };
}
