import type { Clock } from '../clock.ts';

/**
 * Runs `round` now and then every `intervalMs` of `clock` time until the returned function is called. A round
 * that throws goes to `onError` and the next round still runs: the sweepers and reconcilers built on this exist
 * to catch what a failed moment left behind, so one bad round must not end them.
 */
export function runEvery(
  clock: Clock,
  intervalMs: number,
  round: () => Promise<unknown>,
  onError: (err: unknown) => void,
): () => void {
  const stop = new AbortController();
  const loop = async () => {
    while (!stop.signal.aborted) {
      try {
        await round();
      } catch (err) {
        onError(err);
      }
      try {
        await clock.sleep(intervalMs, stop.signal);
      } catch {
        return;
      }
    }
  };
  void loop();
  return () => stop.abort();
}
