import type { WebClient } from '@slack/web-api';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { RequestStore } from '../requests/types.ts';
import { updateRequestMessage } from './update-request-message.ts';

/**
 * Every `intervalMs` (clock time) flips pending requests past their expiry to `expired` and re-renders their
 * messages, so stale Approve buttons disappear even when nobody clicks them. Returns a stop function.
 * (A click on an expired request is refused atomically by the store either way.)
 */
export function startExpirySweeper(deps: {
  store: RequestStore;
  client: WebClient;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
}): () => void {
  const stop = new AbortController();
  const loop = async () => {
    while (!stop.signal.aborted) {
      try {
        await deps.clock.sleep(deps.intervalMs, stop.signal);
      } catch {
        return;
      }
      try {
        for (const record of await deps.store.expirePending()) {
          await updateRequestMessage(deps.client, record, deps.logger);
        }
      } catch (err) {
        deps.logger.warn({ err: String(err) }, 'expiry sweep failed; retrying next round');
      }
    }
  };
  void loop();
  return () => stop.abort();
}
