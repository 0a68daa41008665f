import { ErrorCode, type WebClient } from '@slack/web-api';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';

/** How fresh a membership answer must be. */
export interface MatchOptions {
  /**
   * Ask Slack now (approver decisions): a member removed from the group loses the right at once. Only when
   * Slack cannot answer is a cached list used, and only one younger than `freshFallbackMs`.
   */
  fresh?: boolean;
}

/** A membership answer: `unknown` when Slack could not be asked and no usable cached list exists. */
export type MembershipAnswer = 'yes' | 'no' | 'unknown';

/** Answers "is this user one of these Slack ids?" for approver and requester lists. */
export interface SlackMembership {
  /**
   * `yes` when `userId` is listed (U…/W…), is in a listed user group (S…), or — for requester lists —
   * `channelId` is a listed channel (C…). A group Slack cannot list counts with its cached members when
   * usable; without them the answer is `unknown` (unless another id already said yes), never a guess.
   * A group Slack refuses to list (`no_such_subteam`, `missing_scope`) has no members: that is an answer.
   */
  check(
    ids: readonly string[],
    userId: string,
    channelId?: string,
    options?: MatchOptions,
  ): Promise<MembershipAnswer>;
}

/**
 * Membership checks against usergroups.users.list (Tier 2, ~20/min). `client` must be a WebClient of its own,
 * built with `rejectRateLimitedCalls: true` and few retries: a 429 on the bot's main client would pause its
 * whole queue (clicks, views.open, request messages) for up to 30 min. Members are cached for `ttlMs` for
 * requester checks; after a 429 Slack is not asked again until its Retry-After has passed.
 */
export function createSlackMembership(deps: {
  client: WebClient;
  clock: Clock;
  logger: Logger;
  ttlMs?: number;
  freshFallbackMs?: number;
}): SlackMembership {
  const { clock, logger } = deps;
  const ttlMs = deps.ttlMs ?? 5 * 60_000;
  const freshFallbackMs = deps.freshFallbackMs ?? 60_000;
  const cache = new Map<string, { users: Set<string>; at: number }>();
  const inFlight = new Map<string, Promise<Set<string>>>();
  let quietUntil = 0;

  const load = (groupId: string): Promise<Set<string>> => {
    const pending = inFlight.get(groupId);
    if (pending) return pending;
    const call = (async () => {
      try {
        const res = await deps.client.usergroups.users.list({ usergroup: groupId });
        const users = new Set(res.users ?? []);
        cache.set(groupId, { users, at: clock.now() });
        return users;
      } catch (err) {
        const e = err as { code?: string; retryAfter?: number };
        if (e.code === ErrorCode.RateLimitedError) quietUntil = clock.now() + (e.retryAfter ?? 30) * 1000;
        throw err;
      } finally {
        inFlight.delete(groupId);
      }
    })();
    inFlight.set(groupId, call);
    return call;
  };

  async function groupMembers(groupId: string, fresh: boolean): Promise<Set<string> | undefined> {
    const hit = cache.get(groupId);
    const age = hit ? clock.now() - hit.at : Number.POSITIVE_INFINITY;
    if (!fresh && hit && age < ttlMs) return hit.users;
    let why: string;
    if (clock.now() < quietUntil) why = 'rate-limited by Slack until Retry-After';
    else {
      try {
        return await load(groupId);
      } catch (err) {
        // Slack answered (ok: false): the group cannot be read, which retrying will not change.
        if ((err as { code?: string }).code === ErrorCode.PlatformError) {
          logger.warn({ groupId, err: String(err) }, 'Slack refused to list user group members: no members');
          return new Set();
        }
        why = String(err);
      }
    }
    const usable = hit !== undefined && (!fresh || age < freshFallbackMs);
    const ageS = Math.round(age / 1000);
    logger.warn(
      { groupId, fresh, err: why, ...(hit ? { cacheAgeS: ageS } : {}) },
      usable
        ? `could not list user group members: using the cached list (${ageS} s old)`
        : 'could not list user group members and no recent cached list: membership unknown',
    );
    return usable ? hit.users : undefined;
  }

  return {
    async check(ids, userId, channelId, options = {}) {
      if (ids.includes(userId)) return 'yes';
      if (channelId !== undefined && ids.includes(channelId)) return 'yes';
      let unknown = false;
      for (const id of ids) {
        if (!id.startsWith('S')) continue;
        const members = await groupMembers(id, options.fresh === true);
        if (members?.has(userId)) return 'yes';
        if (members === undefined) unknown = true;
      }
      return unknown ? 'unknown' : 'no';
    },
  };
}
