import { checkCloudInitUser, formatIpSetting, parseIpSetting } from './ip-setting.ts';
import {
  checkLease,
  DEFAULT_MAX_LEASE_MS,
  formatInstant,
  type LeaseSpec,
  parseDuration,
  parseUntil,
} from './lease.ts';
import { showToken } from './template-ref.ts';
import type { VmSetup } from './types.ts';

/** What the lease checks need: now (past dates) and the maximum. */
export interface SetupCheckOptions {
  now?: number;
  maxLeaseMs?: number;
}

/** Splits `start user alice ip 10.0.0.5/24 gw 10.0.0.1 for 3d` (or `nostart …`) into each option word and its values. */
function groups(tokens: readonly string[]): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const t of tokens) {
    const word = t.toLowerCase();
    if (
      ['start', 'nostart', 'user', 'sshkey', 'ip', 'for', 'until'].includes(word) &&
      (out.length === 0 || word !== 'gw')
    )
      out.push([word, []]);
    else out.at(-1)?.[1].push(t);
  }
  return out;
}

/** Parses the duration after `for`: `3d`, `36h`, or `3 weeks` (two words). */
function parseFor(values: string[]): LeaseSpec | { error: string } {
  const text = values.join(' ');
  const ms = values.length === 1 || values.length === 2 ? parseDuration(values.join('')) : undefined;
  if (values.length === 0) return { error: `'for' needs a duration: e.g. for 3d, for 12h, for 2w` };
  if (ms === undefined)
    return {
      error: `'${showToken(text)}' is not a duration: write a number and a unit (m, h, d, w), e.g. for 3d`,
    };
  return { kind: 'for', ms };
}

/**
 * Checks the VM options (start, user, sshkey, ip, for/until), each with its own specific message; the lease
 * against now and the maximum. Returns the setup (empty when none was given) or one error line.
 */
export function parseSetupOptions(
  tokens: readonly string[],
  options: SetupCheckOptions = {},
): VmSetup | { error: string } {
  const setup: VmSetup = {};
  for (const [word, values] of groups(tokens)) {
    const extra = (n: number) =>
      values.length > n
        ? `'${word}' takes ${n === 0 ? 'no value' : 'one value'}: '${showToken(values.slice(n).join(' '))}' is not an option`
        : undefined;
    switch (word) {
      case 'start':
      case 'nostart': {
        const e = extra(0);
        if (e) return { error: e };
        if (setup.start !== undefined) return { error: `Give 'start' or 'nostart', not both` };
        // nostart: not started even when the template's policy starts its clones.
        setup.start = word === 'start';
        break;
      }
      case 'sshkey': {
        const e = extra(0);
        if (e)
          return {
            error: `${e} (add your key first with /clone key add <ssh-public-key>, then just write sshkey)`,
          };
        setup.sshKey = true;
        break;
      }
      case 'user': {
        const e = extra(1) ?? checkCloudInitUser(values[0]);
        if (e) return { error: e };
        setup.ciUser = values[0] as string;
        break;
      }
      case 'ip': {
        const [value, gwWord, gateway, ...more] = values;
        if (gwWord !== undefined && gwWord.toLowerCase() !== 'gw')
          return {
            error: `After 'ip ${value}' only 'gw <gateway>' may follow (got '${showToken(gwWord)}'): e.g. ip 10.0.0.5/24 gw 10.0.0.1`,
          };
        if (gwWord !== undefined && gateway === undefined)
          return { error: `'gw' needs the gateway address: e.g. gw 10.0.0.1` };
        if (more.length > 0) return { error: `Unexpected '${showToken(more.join(' '))}' after the gateway` };
        const ip = parseIpSetting(value, gateway);
        if ('error' in ip) return ip;
        setup.ip = ip;
        break;
      }
      case 'for':
      case 'until': {
        if (setup.lease !== undefined)
          return { error: `Give one lease: 'for <duration>' or 'until <date>', not both` };
        let lease: LeaseSpec | { error: string };
        if (word === 'for') lease = parseFor(values);
        else {
          const at = values.length === 1 ? parseUntil(values[0] as string) : undefined;
          lease =
            at === undefined
              ? {
                  error: `'${showToken(values.join(' ') || '(nothing)')}' is not a date: write until YYYY-MM-DD (e.g. until 2027-01-15) or a time like 2027-01-15T18:00Z`,
                }
              : { kind: 'until', at };
        }
        if ('error' in lease) return lease;
        const problem = checkLease(
          lease,
          options.now ?? (lease.kind === 'until' ? lease.at - 1 : 0),
          options.maxLeaseMs ?? DEFAULT_MAX_LEASE_MS,
        );
        if (problem !== undefined) return { error: problem };
        setup.lease = lease;
        break;
      }
    }
  }
  return setup;
}

/** The options as the user would type them: `start user alice sshkey ip dhcp for 3d`. */
export function formatVmSetup(setup: VmSetup | undefined): string {
  if (setup === undefined) return '';
  const parts: string[] = [];
  if (setup.start !== undefined) parts.push(setup.start ? 'start' : 'nostart');
  if (setup.ciUser !== undefined) parts.push(`user ${setup.ciUser}`);
  if (setup.sshKey || (setup.sshKeys?.length ?? 0) > 0) parts.push('sshkey');
  if (setup.ip !== undefined) parts.push(formatIpSetting(setup.ip));
  if (setup.lease?.kind === 'for') {
    const ms = setup.lease.ms;
    const unit =
      ms % 604_800_000 === 0
        ? ['w', 604_800_000]
        : ms % 86_400_000 === 0
          ? ['d', 86_400_000]
          : ms % 3_600_000 === 0
            ? ['h', 3_600_000]
            : ['m', 60_000];
    parts.push(`for ${ms / (unit[1] as number)}${unit[0]}`);
  } else if (setup.lease?.kind === 'until')
    parts.push(`until ${formatInstant(setup.lease.at).replace(' 00:00 UTC', '')}`);
  return parts.join(' ');
}
