import { type Logger as BoltLoggerType, SocketModeReceiver } from '@slack/bolt';
import type { FetchFunction } from '@slack/web-api';

/** Socket Mode client timing; the defaults are the client's own (5 s pong wait, 30 s between server pings). */
export interface SocketTiming {
  /** How long to wait for a pong; the client also waits this long × consecutive failures before reconnecting. */
  clientPingTimeoutMs?: number;
  /** How long without a ping from Slack before the client reconnects. */
  serverPingTimeoutMs?: number;
}

/**
 * Bolt's SocketModeReceiver, built here rather than by `new App({ socketMode: true })`: given no
 * `customRoutes` and no `installerOptions.port` it opens no HTTP server of its own (Bolt would listen on 3000
 * whatever PORT says, issue 14 item 6); the ops routes are served on PORT by the composition root instead.
 * Its `apps.connections.open` goes to `apiUrl` like every other Web API call.
 */
export function createSocketReceiver(options: {
  appToken: string;
  apiUrl: string;
  logger: BoltLoggerType;
  fetch?: FetchFunction;
  timing?: SocketTiming;
}): SocketModeReceiver {
  const { timing = {} } = options;
  return new SocketModeReceiver({
    appToken: options.appToken,
    logger: options.logger,
    ...(timing.clientPingTimeoutMs !== undefined ? { clientPingTimeout: timing.clientPingTimeoutMs } : {}),
    ...(timing.serverPingTimeoutMs !== undefined ? { serverPingTimeout: timing.serverPingTimeoutMs } : {}),
    installerOptions: {
      clientOptions: { slackApiUrl: options.apiUrl, ...(options.fetch ? { fetch: options.fetch } : {}) },
    },
  });
}
