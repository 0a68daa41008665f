import type { FetchFunction } from '@slack/web-api';
import type { Metrics } from '../metrics.ts';

type FetchRequestInit = Parameters<FetchFunction>[1];
type FetchResponse = Awaited<ReturnType<FetchFunction>>;

/** The Web API method a request URL names: `https://slack.com/api/chat.update` → `chat.update`. */
export function slackMethodOf(url: string | URL): string {
  const path = new URL(String(url)).pathname;
  return path.slice(path.lastIndexOf('/') + 1);
}

async function slackErrorOf(response: FetchResponse): Promise<string | undefined> {
  if (response.status === 429) return 'ratelimited';
  if (response.status < 200 || response.status > 299) return `http_${response.status}`;
  // Slack answers most failures with 200 and {ok:false,error}: peek at a copy so the client still reads the body.
  const copy = (response as Partial<Response>).clone?.();
  if (copy === undefined) return undefined;
  try {
    const body = (await copy.json()) as { ok?: unknown; error?: unknown };
    if (body.ok === false) return typeof body.error === 'string' ? body.error : 'unknown_error';
  } catch {
    // Not JSON (file upload targets answer text): nothing to count.
  }
  return undefined;
}

/**
 * A `fetch` for WebClient / Bolt's `clientOptions.fetch` that counts every Web API call (each retry too)
 * and its failures in `metrics`, then hands the untouched response to the client.
 */
export function instrumentSlackFetch(
  metrics: Pick<Metrics, 'recordSlackCall'>,
  inner: FetchFunction = globalThis.fetch as FetchFunction,
): FetchFunction {
  return async (url: string | URL, init?: FetchRequestInit) => {
    const method = slackMethodOf(url);
    let response: FetchResponse;
    try {
      response = await inner(url, init);
    } catch (error) {
      metrics.recordSlackCall(method, 'network_error');
      throw error;
    }
    metrics.recordSlackCall(method, await slackErrorOf(response));
    return response;
  };
}
