import { type Clock, systemClock } from '../clock.ts';

/** A dependency probe: resolves when the dependency answers (e.g. Redis PING, Proxmox GET /version). */
export type ReadinessCheck = () => Promise<void>;

/** Each check's result: `ok`, or why it failed in one line with secrets blanked out. */
export interface ReadinessReport {
  ok: boolean;
  checks: Record<string, string>;
}

const MAX_REASON = 200;

/**
 * Blanks anything secret-shaped an error message might carry: credentials in URLs, Proxmox API tokens
 * and tickets, Slack tokens, and UUIDs (the form of a Proxmox token secret).
 */
export function scrubSecrets(text: string): string {
  return text
    .replace(/(\w+:\/\/)[^/\s@]*@/g, '$1[redacted]@')
    .replace(/PVEAPIToken=\S+/gi, 'PVEAPIToken=[redacted]')
    .replace(/PVE(AuthCookie|:)\S*/g, 'PVE$1[redacted]')
    .replace(/\bx(ox[abprse]|app)-[\w-]+/g, '[redacted]')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '[redacted]');
}

function reasonOf(error: unknown): string {
  const raw = error instanceof Error ? error.message || error.name : String(error);
  const line = scrubSecrets(raw.split('\n', 1)[0] ?? '').trim() || 'failed';
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON - 1)}…` : line;
}

async function runOne(check: ReadinessCheck, timeoutMs: number, clock: Clock): Promise<string> {
  const stop = new AbortController();
  const timeout = clock.sleep(timeoutMs, stop.signal).then(
    () => `no answer within ${timeoutMs} ms`,
    () => 'cancelled',
  );
  try {
    // A hung dependency (Proxmox node off the network) must not hang the health endpoint with it.
    return await Promise.race([
      Promise.resolve()
        .then(check)
        .then(
          () => 'ok',
          (error: unknown) => reasonOf(error),
        ),
      timeout,
    ]);
  } finally {
    stop.abort();
  }
}

/** Runs every check at once, each bounded by `timeoutMs` of `clock` time. */
export async function runReadinessChecks(
  checks: Record<string, ReadinessCheck>,
  timeoutMs: number,
  clock: Clock = systemClock,
): Promise<ReadinessReport> {
  const names = Object.keys(checks);
  const results = await Promise.all(
    names.map((name) => runOne(checks[name] as ReadinessCheck, timeoutMs, clock)),
  );
  const report: ReadinessReport = { ok: true, checks: {} };
  names.forEach((name, i) => {
    const result = results[i] as string;
    report.checks[name] = result;
    if (result !== 'ok') report.ok = false;
  });
  return report;
}
