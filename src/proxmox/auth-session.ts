import type { Clock } from '../clock.ts';
import type { ProxmoxAuth } from '../config.ts';
import { ProxmoxAuthError } from './errors.ts';

/** A ticket as POST /access/ticket returns it. */
export interface Ticket {
  ticket: string;
  csrf: string;
}

/** Posts /access/ticket with these credentials (the password, or the current ticket to renew it). */
export type LoginFn = (username: string, password: string) => Promise<Ticket>;

/** Credentials for one request, and which login they came from. */
export interface AuthHeaders {
  headers: Record<string, string>;
  generation: number;
}

/** Supplies the auth headers of each request: a token, or a ticket kept fresh. */
export interface AuthSession {
  /** Who Proxmox attributes our tasks to: USER@REALM!TOKENID or USER@REALM. */
  readonly user: string;
  /** Headers for a request of `method`; logs in first, or renews a ticket older than 1 h 45 min. */
  headers(method: string): Promise<AuthHeaders>;
  /** After a 401 on a request sent with `generation`: logs in again (once) and says whether to retry. */
  recover(generation: number): Promise<boolean>;
}

/** Tickets live 2 h; renew with a margin so a slow request never carries an expired one. */
export const TICKET_RENEW_AFTER_MS = 105 * 60_000;

/** Creates the session for the configured auth: API token (no CSRF) or username/password tickets. */
export function createAuthSession(auth: ProxmoxAuth, login: LoginFn, clock: Clock): AuthSession {
  if (auth.kind === 'token') {
    const headers = { Authorization: `PVEAPIToken=${auth.tokenId}=${auth.secret}` };
    return {
      user: auth.tokenId,
      headers: async () => ({ headers, generation: 0 }),
      recover: async () => false,
    };
  }

  let current: (Ticket & { obtainedAt: number; generation: number }) | undefined;
  let pending: Promise<void> | undefined;
  let generation = 0;

  // Single flight: concurrent requests share one login.
  const refresh = (mode: 'login' | 'renew'): Promise<void> => {
    pending ??= (async () => {
      let ticket: Ticket;
      if (mode === 'renew' && current !== undefined) {
        try {
          ticket = await login(auth.username, current.ticket);
        } catch (error) {
          if (!(error instanceof ProxmoxAuthError)) throw error;
          ticket = await login(auth.username, auth.password);
        }
      } else {
        ticket = await login(auth.username, auth.password);
      }
      generation += 1;
      current = { ...ticket, obtainedAt: clock.now(), generation };
    })().finally(() => {
      pending = undefined;
    });
    return pending;
  };

  return {
    user: auth.username,
    async headers(method) {
      if (current === undefined) await refresh('login');
      else if (clock.now() - current.obtainedAt >= TICKET_RENEW_AFTER_MS) await refresh('renew');
      const t = current as NonNullable<typeof current>;
      const headers: Record<string, string> = { Cookie: `PVEAuthCookie=${t.ticket}` };
      if (method !== 'GET') headers.CSRFPreventionToken = t.csrf;
      return { headers, generation: t.generation };
    },
    async recover(usedGeneration) {
      // Another request may already have logged in again since this one was sent.
      if (current !== undefined && current.generation !== usedGeneration) return true;
      current = undefined;
      await refresh('login');
      return true;
    },
  };
}
