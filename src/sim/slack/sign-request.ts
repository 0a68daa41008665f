import { createHmac } from 'node:crypto';

/** Slack's request signature: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret. */
export function slackSignature(signingSecret: string, timestampSec: number, rawBody: string): string {
  const hmac = createHmac('sha256', signingSecret).update(`v0:${timestampSec}:${rawBody}`).digest('hex');
  return `v0=${hmac}`;
}

/** How to send a request the way Slack does; each field can be bent to test the app's verification. */
export interface SignedRequestOptions {
  /** Seconds since the epoch; Bolt refuses timestamps more than 5 minutes from its own wall clock. */
  timestamp?: number;
  /** Sign with this secret instead of the sim's. */
  secret?: string;
  /** Send this signature instead of the computed one. */
  signature?: string;
  /** Slack sends exactly `application/x-www-form-urlencoded`; anything else makes Bolt answer 400. */
  contentType?: string;
  /** Leave the signature headers out. */
  omitHeaders?: boolean;
}

/** The app's raw answer. */
export interface RawAppResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** POSTs `body` to the app's request URL signed like Slack signs it. */
export async function postSigned(
  url: string,
  body: string,
  signingSecret: string,
  options: SignedRequestOptions = {},
): Promise<RawAppResponse> {
  // Wall-clock time, not the sim's Clock: the app checks the timestamp against its own real clock.
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
  };
  if (!options.omitHeaders) {
    headers['x-slack-request-timestamp'] = String(timestamp);
    headers['x-slack-signature'] =
      options.signature ?? slackSignature(options.secret ?? signingSecret, timestamp, body);
  }
  const response = await fetch(url, { method: 'POST', headers, body });
  return {
    status: response.status,
    body: await response.text(),
    headers: Object.fromEntries(response.headers.entries()),
  };
}
