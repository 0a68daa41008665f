import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { RequestService } from '../requests/request-service.ts';

/**
 * Every `intervalMs` (clock time) expires pending requests past their deadline; the request service shows
 * each expired, so stale Approve buttons disappear even when nobody clicks them. Returns a stop function.
 * (A click on an expired request is refused atomically by the store either way.)
 */
export function startExpirySweeper(deps: {
  requests: Pick<RequestService, 'expireDue'>;
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
        await deps.requests.expireDue();
      } catch (err) {
        deps.logger.warn({ err: String(err) }, 'expiry sweep failed; retrying next round');
      }
    }
  };
  void loop();
  return () => stop.abort();
}
