import type { LoginFn } from './auth-session.ts';
import { ProxmoxApiError, ProxmoxAuthError } from './errors.ts';
import { errorsOf, messageOf } from './read-answer.ts';
import type { HttpAnswer } from './send-request.ts';

/** Sends one unauthenticated form POST and returns the raw answer. */
export type SendForm = (path: string, form: Record<string, string>) => Promise<HttpAnswer>;

/** POST /access/ticket → ticket and CSRF token; 401 `authentication failure` → ProxmoxAuthError. */
export function createLogin(send: SendForm): LoginFn {
  const path = '/access/ticket';
  return async (username, password) => {
    const answer = await send(path, { username, password });
    if (answer.status === 401) {
      throw new ProxmoxAuthError(
        'POST',
        path,
        messageOf(answer),
        'check PROXMOX_USERNAME and PROXMOX_PASSWORD',
      );
    }
    const data = (answer.body as { data?: { ticket?: unknown; CSRFPreventionToken?: unknown } } | undefined)
      ?.data;
    if (
      answer.status !== 200 ||
      typeof data?.ticket !== 'string' ||
      typeof data.CSRFPreventionToken !== 'string'
    ) {
      const message = messageOf(answer) || 'login answer without a ticket';
      throw new ProxmoxApiError('POST', path, answer.status, message, errorsOf(answer));
    }
    return { ticket: data.ticket, csrf: data.CSRFPreventionToken };
  };
}
