import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../../clock.ts';
import { ApiError } from './api-error.ts';
import type { SimToken, SimUser } from './types.ts';

/** Who a request acts as: `clonebot@pve` plus the token name for API tokens. */
export interface Principal {
  user: string;
  tokenid?: string;
  kind: 'token' | 'ticket';
}

interface Ticket {
  username: string;
  issuedAt: number;
  csrf: string;
}

const TOKEN_HEADER = /^PVEAPIToken[= ]([^@\s]+@[^!\s]+)!([^=\s]+)=(.*)$/;

const unauthorized = (message: string) => new ApiError(401, message, undefined, true);

/** API tokens and tickets (with CSRF tokens and a lifetime in simulated time). */
export class SimAuth {
  private readonly tickets = new Map<string, Ticket>();
  wording: 'old' | 'new';

  constructor(
    private readonly clock: Clock,
    readonly tokens: SimToken[],
    readonly users: SimUser[],
    readonly ticketLifetimeMs: number,
    wording: 'old' | 'new',
  ) {
    this.wording = wording;
  }

  /** Checks a request's credentials; throws a bare 401 (the caller delays it) when they do not hold. */
  authenticate(method: string, headers: IncomingHttpHeaders): Principal {
    const authz = headers.authorization;
    if (authz !== undefined) {
      const m = TOKEN_HEADER.exec(authz.trim());
      if (!m) throw unauthorized('No ticket');
      const [, user = '', tokenName = '', secret = ''] = m;
      const token = this.tokens.find((t) => t.id === `${user}!${tokenName}`);
      // pve-manager PVE/HTTPServer.pm since 8.4.17 / 9.1.5 (`http server: unify error message in case of auth
      // failure`): every token or ticket failure is `Authentication failed!`; before, verify_token's own words.
      const fail = (old: string) => unauthorized(this.wording === 'old' ? old : 'Authentication failed!');
      if (!token) throw fail(`no such token '${tokenName}' for user '${user}'`);
      if (token.secret !== secret) throw fail('invalid token value!');
      return { user, tokenid: tokenName, kind: 'token' };
    }
    const cookie = readCookie(headers.cookie, 'PVEAuthCookie');
    if (cookie === undefined) throw unauthorized('No ticket');
    const ticket = this.validTicket(cookie);
    if (!ticket) throw unauthorized(this.invalidTicketMessage());
    if (method !== 'GET' && method !== 'HEAD') {
      const csrf = headers.csrfpreventiontoken;
      if (csrf !== ticket.csrf) throw unauthorized('Permission denied - invalid csrf token');
    }
    return { user: ticket.username, kind: 'ticket' };
  }

  /** POST /access/ticket: a password, or a still valid ticket as the password (renewal). */
  login(
    username: string,
    password: string,
  ): { ticket: string; CSRFPreventionToken: string; username: string } {
    const renewed = this.validTicket(password);
    const ok =
      (renewed !== undefined && renewed.username === username) ||
      this.users.some((u) => u.username === username && u.password === password);
    if (!ok) throw new ApiError(401, 'authentication failure\n');
    const now = this.clock.now();
    const stamp = Math.floor(now / 1000)
      .toString(16)
      .toUpperCase();
    const ticket = `PVE:${username}:${stamp}::${randomBytes(64).toString('base64')}`;
    const csrf = `${stamp}:${randomBytes(32).toString('base64').replace(/=+$/, '')}`;
    this.tickets.set(ticket, { username, issuedAt: now, csrf });
    return { ticket, CSRFPreventionToken: csrf, username };
  }

  /** Makes every ticket issued so far invalid (as if 2 h had passed). */
  expireAll(): void {
    for (const t of this.tickets.values()) t.issuedAt = -Infinity;
  }

  invalidTicketMessage(): string {
    return this.wording === 'old' ? 'permission denied - invalid PVE ticket' : 'Authentication failed!';
  }

  private validTicket(text: string): Ticket | undefined {
    const t = this.tickets.get(text);
    if (!t || this.clock.now() - t.issuedAt >= this.ticketLifetimeMs) return undefined;
    return t;
  }
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      const raw = part.slice(i + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return undefined;
}
