/** Leases: how long a clone may live (`for 3d`, `until 2027-01-15`), checked before anything is created. */

export type LeaseSpec = { kind: 'for'; ms: number } | { kind: 'until'; at: number };

const UNIT_MS: Record<string, number> = {
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

/** Without a policy: the longest lease anyone may ask for (a policy's maximum replaces it). */
export const DEFAULT_MAX_LEASE_MS = 14 * 86_400_000;
/** Shorter than this is surely a typo (`for 1m` meant a month?). */
export const MIN_LEASE_MS = 15 * 60_000;

/** `3d` → 3 days in ms; `2h`, `90m`, `1w`; undefined when it is not a duration. Negative values are refused by the caller. */
export function parseDuration(text: string): number | undefined {
  const m = /^(-?\d{1,6})\s*([a-z]+)$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = UNIT_MS[(m[2] as string).toLowerCase()];
  return unit === undefined ? undefined : Number(m[1]) * unit;
}

/** `3d 4h`-style human text for a duration in ms (largest two units). */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(ms / 60_000));
  for (const [unit, size] of [
    ['d', 1440],
    ['h', 60],
    ['m', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n}${unit}`);
  }
  return parts.slice(0, 2).join(' ') || '0m';
}

/** `2027-01-15` (00:00 UTC that day) or an ISO time with zone (`2027-01-15T18:00Z`); undefined otherwise. */
export function parseUntil(text: string): number | undefined {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    const at = Date.parse(`${t}T00:00:00Z`);
    // Date.parse accepts 2027-02-31 as March 3rd: refuse dates that do not round-trip.
    return Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== t ? undefined : at;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(t)) {
    const at = Date.parse(t);
    return Number.isNaN(at) ? undefined : at;
  }
  return undefined;
}

/** `2027-01-15 00:00 UTC` */
export function formatInstant(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** When the lease ends, counted from `from` (the clone's end for `for`). */
export function leaseExpiry(spec: LeaseSpec, from: number): number {
  return spec.kind === 'for' ? from + spec.ms : spec.at;
}

/**
 * Checks a lease against now and the maximum: a specific line for a negative or zero duration, a date in the
 * past, or a lease past the maximum (with the maximum shown and what to type instead).
 */
export function checkLease(spec: LeaseSpec, now: number, maxMs: number): string | undefined {
  const max = formatDuration(maxMs);
  if (spec.kind === 'for') {
    if (spec.ms <= 0)
      return `A lease must be a positive duration (got ${spec.ms < 0 ? '-' : ''}${formatDuration(Math.abs(spec.ms))}): e.g. for 3d`;
    if (spec.ms < MIN_LEASE_MS)
      return `A lease of ${formatDuration(spec.ms)} is too short (at least 15m): e.g. for 2h`;
    if (spec.ms > maxMs)
      return `A lease of ${formatDuration(spec.ms)} is longer than the maximum of ${max}: ask for at most 'for ${Math.floor(maxMs / 86_400_000)}d' (an approver can extend it later)`;
    return undefined;
  }
  if (spec.at <= now)
    return `${formatInstant(spec.at)} is in the past: give a future date, e.g. until ${new Date(now + 7 * 86_400_000).toISOString().slice(0, 10)}`;
  if (spec.at - now > maxMs)
    return `${formatInstant(spec.at)} is further away than the maximum lease of ${max}: give a date before ${formatInstant(now + maxMs)}`;
  return undefined;
}
