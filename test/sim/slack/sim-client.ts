import { type Logger, LogLevel, WebClient, type WebClientOptions } from '@slack/web-api';
import type { SlackSim } from '../../../src/sim/slack/index.ts';

const quiet: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

/** A real WebClient pointed at the sim, without retries or log noise. */
export function simClient(sim: SlackSim, options: WebClientOptions = {}): WebClient {
  return new WebClient(sim.botToken, {
    slackApiUrl: sim.apiUrl,
    retryConfig: { retries: 0 },
    logger: quiet,
    ...options,
  });
}
