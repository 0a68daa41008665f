import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { type SlackSim, startSlackSim } from '../../src/sim/slack/index.ts';
import { createSlackMembership, type SlackMembership } from '../../src/slack/slack-membership.ts';
import { type ManualClock, manualClock } from '../requests/redis-fixture.ts';

let sim: SlackSim;
let clock: ManualClock;
let logged: { msg: string; groupId?: string; cacheAgeS?: number }[];
let membership: SlackMembership;

beforeEach(async () => {
  clock = manualClock(Date.now());
  sim = await startSlackSim({ clock });
  logged = [];
  membership = createSlackMembership({
    // Built as createSlackApp builds its lookup client.
    client: new WebClient(sim.botToken, {
      slackApiUrl: sim.apiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 10 },
    }),
    clock,
    logger: createLogger('warn', { write: (line: string) => logged.push(JSON.parse(line)) }),
  });
});
afterEach(async () => {
  await sim.close();
});

const APPROVERS = ['U0BOSS', 'S0APPROVERS'];
const isApprover = (fresh: boolean) => membership.check(APPROVERS, 'U0APPROVER', undefined, { fresh });

describe('createSlackMembership', () => {
  it('fresh checks always ask Slack; cached checks ask once per 5 minutes', async () => {
    expect(await isApprover(true)).toBe('yes');
    expect(await isApprover(true)).toBe('yes');
    expect(await isApprover(false)).toBe('yes');
    expect(sim.calls('usergroups.users.list')).toHaveLength(2);
    clock.advance(5 * 60_000);
    expect(await isApprover(false)).toBe('yes');
    expect(sim.calls('usergroups.users.list')).toHaveLength(3);
    // Listed users and channels need no lookup.
    expect(await membership.check(APPROVERS, 'U0BOSS', undefined, { fresh: true })).toBe('yes');
    expect(await membership.check(['C0CLONES'], 'U0X', 'C0CLONES')).toBe('yes');
    expect(sim.calls('usergroups.users.list')).toHaveLength(3);
    // Slack answered: not a member.
    expect(await membership.check(APPROVERS, 'U0REQUESTER', undefined, { fresh: true })).toBe('no');
  });

  it('on a 429 serves the stale list (and logs it), waits out Retry-After, and fails closed without a list', async () => {
    expect(await isApprover(false)).toBe('yes');
    clock.advance(10 * 60_000);
    sim.injectFault('usergroups.users.list', { type: 'ratelimited', retryAfterSeconds: 30 });
    expect(await isApprover(false)).toBe('yes');
    expect(logged.at(-1)).toMatchObject({ groupId: 'S0APPROVERS', cacheAgeS: 600 });
    expect(logged.at(-1)?.msg).toContain('using the cached list (600 s old)');
    // A decision never rests on a 10-minute-old list: the answer is unknown, not no.
    expect(await isApprover(true)).toBe('unknown');
    expect(logged.at(-1)?.msg).toContain('membership unknown');
    // Within Retry-After Slack is not asked at all.
    expect(sim.calls('usergroups.users.list')).toHaveLength(2);
    clock.advance(30_000);
    expect(await isApprover(true)).toBe('yes');
    expect(sim.calls('usergroups.users.list')).toHaveLength(3);
  });

  it('an unknown group is no match (Slack said so); a server error with nothing cached is unknown', async () => {
    expect(await membership.check(['S0NOSUCH'], 'U0APPROVER')).toBe('no');
    sim.injectFault('usergroups.users.list', { type: 'http', status: 500 }, 2);
    expect(await isApprover(true)).toBe('unknown');
    expect(logged).toHaveLength(2);
    // A listed user needs no lookup, so an unreachable group does not hide them.
    sim.injectFault('usergroups.users.list', { type: 'http', status: 500 }, 2);
    expect(await membership.check(APPROVERS, 'U0BOSS', undefined, { fresh: true })).toBe('yes');
  });
});
