import type { WebClient } from '@slack/web-api';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';

/** Answers "is this user one of these Slack ids?" for approver and requester lists. */
export interface SlackMembership {
  /**
   * True when `userId` is listed (U…/W…), is in a listed user group (S…), or — for requester lists —
   * `channelId` is a listed channel (C…). A group Slack cannot list counts with its last known members, else as no match (fails closed).
   */
  matches(ids: readonly string[], userId: string, channelId?: string): Promise<boolean>;
}

/**
 * Membership checks with user-group members cached for `ttlMs` (usergroups.users.list is Tier 2, ~20/min:
 * one click storm must not call it per click).
 */
export function createSlackMembership(deps: {
  client: WebClient;
  clock: Clock;
  logger: Logger;
  ttlMs?: number;
}): SlackMembership {
  const ttlMs = deps.ttlMs ?? 5 * 60_000;
  const cache = new Map<string, { users: Set<string>; at: number }>();
  const inFlight = new Map<string, Promise<Set<string> | undefined>>();

  async function groupMembers(groupId: string): Promise<Set<string> | undefined> {
    const hit = cache.get(groupId);
    if (hit && deps.clock.now() - hit.at < ttlMs) return hit.users;
    const pending = inFlight.get(groupId);
    if (pending) return pending;
    const load = (async () => {
      try {
        const res = await deps.client.usergroups.users.list({ usergroup: groupId });
        const users = new Set(res.users ?? []);
        cache.set(groupId, { users, at: deps.clock.now() });
        return users;
      } catch (err) {
        deps.logger.warn(
          { groupId, err: String(err) },
          'could not list user group members; treating as no match',
        );
        return hit?.users;
      } finally {
        inFlight.delete(groupId);
      }
    })();
    inFlight.set(groupId, load);
    return load;
  }

  return {
    async matches(ids, userId, channelId) {
      if (ids.includes(userId)) return true;
      if (channelId !== undefined && ids.includes(channelId)) return true;
      for (const id of ids) {
        if (!id.startsWith('S')) continue;
        const members = await groupMembers(id);
        if (members?.has(userId)) return true;
      }
      return false;
    },
  };
}
