/**
 * Typed errors of the Proxmox adapter. Messages name the method, the path and Proxmox's own words, never
 * a credential (no token secret, password, ticket or CSRF token ever reaches them).
 */

/** Base class of every error the adapter throws. */
export class ProxmoxError extends Error {
  constructor(
    message: string,
    readonly method: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProxmoxError';
  }
}

const NOT_FOUND = /does not exist|no such task|no such VM|not found/i;
// 500s that describe a passing state of the cluster rather than an answer about the request.
const TRANSIENT_500 =
  /timeout|timed out|ipcc_send_rec|cluster not ready|no quorum|connection refused|connection reset|broken pipe|temporarily unavailable|try again/i;
const GENERIC_REASON = /^(internal server error|server error|)$/i;
// 595 reasons of the proxy's connect step (AnyEvent::HTTP): the request never reached the node. Not
// `Connection timed out`: that one also ends a forward whose request was already sent (30 s inactivity).
const NEVER_FORWARDED = /^(connection refused|no route to host|network is unreachable)\b/i;

/** Proxmox answered with an HTTP error: status, Proxmox's message and the per-parameter `errors` map. */
export class ProxmoxApiError extends ProxmoxError {
  constructor(
    method: string,
    path: string,
    readonly status: number,
    /** Proxmox's message: the body's `message`, or else the HTTP reason phrase; '' when neither. */
    readonly proxmoxMessage: string,
    /** Parameter errors of a 400, e.g. `{ name: 'invalid format - value does not look like a valid DNS name' }`. */
    readonly errors: Record<string, string> = {},
  ) {
    const params = Object.entries(errors)
      .map(([k, v]) => `${k}: ${v}`)
      .join('; ');
    const text = proxmoxMessage === '' ? 'no message' : proxmoxMessage;
    super(`Proxmox ${method} ${path} failed: ${status} ${text}${params ? ` (${params})` : ''}`, method, path);
    this.name = 'ProxmoxApiError';
  }

  /** The VM config, task or other object asked about does not exist (Proxmox says so with a 500 or 400). */
  isNotFound(): boolean {
    if (this.status === 404) return true;
    return NOT_FOUND.test(this.proxmoxMessage) || Object.values(this.errors).some((v) => NOT_FOUND.test(v));
  }

  /** 403 `Permission check failed (/vms/9000, VM.Clone)`. */
  isPermissionDenied(): boolean {
    return this.status === 403;
  }

  /** 595/596: the API node could not forward the request to the node it names (offline, unreachable). */
  isNodeUnreachable(): boolean {
    return this.status === 595 || this.status === 596;
  }

  /** Proxmox gave a definite answer (a message about this request), not a sign of a passing outage. */
  isDefinite(): boolean {
    // The proxy could not even connect to the node: the request provably did nothing there.
    if (this.status === 595) return NEVER_FORWARDED.test(this.proxmoxMessage.trim());
    if (this.status >= 502) return false;
    if (this.status === 500) return !GENERIC_REASON.test(this.proxmoxMessage.trim());
    return true;
  }

  /** Worth asking again (GETs only): 502/503/504/595/596, or a 500 without a definite answer or about a passing state. */
  isTransient(): boolean {
    if (this.status >= 502) return true;
    if (this.status === 500) return !this.isDefinite() || TRANSIENT_500.test(this.proxmoxMessage);
    return this.status === 408 || this.status === 429;
  }
}

/** 401: the token was refused, the login failed, or the ticket could not be renewed. */
export class ProxmoxAuthError extends ProxmoxApiError {
  constructor(
    method: string,
    path: string,
    proxmoxMessage: string,
    readonly hint: string,
  ) {
    super(method, path, 401, proxmoxMessage);
    this.message = `${this.message} - ${hint}`;
    this.name = 'ProxmoxAuthError';
  }
}

/** The request did not get an HTTP answer (connection refused or reset, DNS, socket closed). */
export class ProxmoxNetworkError extends ProxmoxError {
  constructor(
    method: string,
    path: string,
    /** The system or undici code (`ECONNREFUSED`, `UND_ERR_SOCKET`, …) when known. */
    readonly code: string | undefined,
    /** false when the request provably never reached Proxmox (refused, unresolvable); undefined when unknown. */
    readonly delivered: false | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`Proxmox ${method} ${path}: network error (${detail})`, method, path, options);
    this.name = 'ProxmoxNetworkError';
  }
}

/** The TLS handshake failed: the certificate is not trusted or does not match the host. Not retried. */
export class ProxmoxTlsError extends ProxmoxError {
  constructor(
    method: string,
    path: string,
    readonly code: string | undefined,
    detail: string,
  ) {
    super(
      `Proxmox ${method} ${path}: TLS error (${detail}) - set PROXMOX_CA_FILE to the PEM of the CA that signed the ` +
        `Proxmox certificate (/etc/pve/pve-root-ca.pem), or PROXMOX_INSECURE_TLS=true for a lab`,
      method,
      path,
    );
    this.name = 'ProxmoxTlsError';
  }
}

/** No complete answer within PROXMOX_TIMEOUT_SECONDS. */
export class ProxmoxTimeoutError extends ProxmoxError {
  constructor(
    method: string,
    path: string,
    readonly timeoutMs: number,
  ) {
    super(`Proxmox ${method} ${path}: no answer within ${Math.round(timeoutMs / 100) / 10}s`, method, path);
    this.name = 'ProxmoxTimeoutError';
  }
}

/** The clone POST failed and the clone provably did not start: the caller may send it again. */
export class CloneNotStartedError extends ProxmoxError {
  constructor(
    path: string,
    readonly newid: number,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`Clone to VM ${newid} did not start: ${detail}`, 'POST', path, options);
    this.name = 'CloneNotStartedError';
  }
}

/** A GET failing with this error is worth sending again after a pause. */
export function isRetryableRead(error: unknown): boolean {
  if (error instanceof ProxmoxAuthError) return false;
  if (error instanceof ProxmoxApiError) return error.isTransient();
  return error instanceof ProxmoxNetworkError || error instanceof ProxmoxTimeoutError;
}

/** After this error on a POST it is unknown whether Proxmox acted on it. */
export function isAmbiguousWrite(error: unknown): boolean {
  if (error instanceof ProxmoxApiError) return !(error instanceof ProxmoxAuthError) && !error.isDefinite();
  if (error instanceof ProxmoxNetworkError) return error.delivered !== false;
  return error instanceof ProxmoxTimeoutError;
}
