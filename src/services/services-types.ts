import type { Server } from 'node:http';
import type { App } from '@slack/bolt';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { CloneWorker } from '../jobs/clone-worker.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { ProxmoxHttpClient } from '../proxmox/index.ts';
import type { RequestStore } from '../requests/types.ts';
import type { BotIdentity } from '../slack/create-slack-app.ts';
import type { SocketTiming } from '../slack/create-socket-receiver.ts';
import type { CloneSubcommand } from '../slack/listeners/commands/subcommand-types.ts';

/** Which parts run in this process: `all` (npm start), `bot` (Slack app only) or `worker` (clone worker only). */
export type ServiceMode = 'all' | 'bot' | 'worker';

/** The configuration startServices reads (the Slack section: in worker mode only the token and API URL). */
export type ServicesConfig = Pick<Config, 'proxmox' | 'clone' | 'slack' | 'redis' | 'log'> &
  Partial<Pick<Config, 'health' | 'worker'>>;

/** Knobs for tests and the demo; production uses the defaults. */
export interface StartServicesOptions {
  mode?: ServiceMode;
  logger?: Logger;
  clock?: Clock;
  /** Redis key prefix for requests, queue, slots and cancels (tests use a fresh one). */
  prefix?: string;
  /** The bot's identity; without it auth.test is called once at start (and fails fast on a bad token). */
  identity?: BotIdentity;
  subcommands?: readonly CloneSubcommand[];
  /** Worker tuning (real ms), e.g. short stalled checks in tests. */
  worker?: {
    lockDurationMs?: number;
    stalledIntervalMs?: number;
    slotRetryMs?: number;
    concurrency?: number;
  };
  /** How often pending requests past their expiry are flipped and their messages updated (clock ms; default 60 s). */
  expirySweepMs?: number;
  /** Socket Mode client timing (real ms); tests shorten the reconnect delay with it. */
  socketTiming?: SocketTiming;
}

/** Handles to what runs, and one way to stop it all. */
export interface Services {
  mode: ServiceMode;
  app?: App;
  /** The HTTP server on PORT (Bolt's in HTTP mode, the ops server in Socket Mode and worker mode). */
  server?: Server;
  port?: number;
  worker?: CloneWorker;
  store: RequestStore;
  proxmox: ProxmoxHttpClient;
  metrics: Metrics;
  logger: Logger;
  /** Drains: stops taking jobs (waiting up to `drainTimeoutMs` for running clones), stops the app, quits Redis. */
  stop(options?: { drainTimeoutMs?: number }): Promise<void>;
}
