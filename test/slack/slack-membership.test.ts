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
const isApprover = (fresh: boolean) => membership.matches(APPROVERS, 'U0APPROVER', undefined, { fresh });

describe('createSlackMembership', () => {
  it('fresh checks always ask Slack; cached checks ask once per 5 minutes', async () => {
    expect(await isApprover(true)).toBe(true);
    expect(await isApprover(true)).toBe(true);
    expect(await isApprover(false)).toBe(true);
    expect(sim.calls('usergroups.users.list')).toHaveLength(2);
    clock.advance(5 * 60_000);
    expect(await isApprover(false)).toBe(true);
    expect(sim.calls('usergroups.users.list')).toHaveLength(3);
    // Listed users and channels need no lookup.
    expect(await membership.matches(APPROVERS, 'U0BOSS', undefined, { fresh: true })).toBe(true);
    expect(await membership.matches(['C0CLONES'], 'U0X', 'C0CLONES')).toBe(true);
    expect(sim.calls('usergroups.users.list')).toHaveLength(3);
  });

  it('on a 429 serves the stale list (and logs it), waits out Retry-After, and fails closed without a list', async () => {
    expect(await isApprover(false)).toBe(true);
    clock.advance(10 * 60_000);
    sim.injectFault('usergroups.users.list', { type: 'ratelimited', retryAfterSeconds: 30 });
    expect(await isApprover(false)).toBe(true);
    expect(logged.at(-1)).toMatchObject({ groupId: 'S0APPROVERS', cacheAgeS: 600 });
    expect(logged.at(-1)?.msg).toContain('using the cached list (600 s old)');
    // A decision never rests on a 10-minute-old list.
    expect(await isApprover(true)).toBe(false);
    expect(logged.at(-1)?.msg).toContain('treating as no match');
    // Within Retry-After Slack is not asked at all.
    expect(sim.calls('usergroups.users.list')).toHaveLength(2);
    clock.advance(30_000);
    expect(await isApprover(true)).toBe(true);
    expect(sim.calls('usergroups.users.list')).toHaveLength(3);
  });

  it('an unknown group or a server error counts as no match when nothing is cached', async () => {
    expect(await membership.matches(['S0NOSUCH'], 'U0APPROVER')).toBe(false);
    sim.injectFault('usergroups.users.list', { type: 'http', status: 500 }, 2);
    expect(await isApprover(true)).toBe(false);
    expect(logged).toHaveLength(2);
  });
});
