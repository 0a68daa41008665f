/** The Proxmox adapter's public surface. */
export { TICKET_RENEW_AFTER_MS } from './auth-session.ts';
export {
  createProxmoxClient,
  type ProxmoxClientDeps,
  type ProxmoxHttpClient,
} from './create-proxmox-client.ts';
export {
  CloneNotStartedError,
  isAmbiguousWrite,
  isRetryableRead,
  ProxmoxApiError,
  ProxmoxAuthError,
  ProxmoxError,
  ProxmoxNetworkError,
  ProxmoxTimeoutError,
  ProxmoxTlsError,
} from './errors.ts';
export { parseUpid, type Upid } from './parse-upid.ts';
export type { FetchFn } from './send-request.ts';
export { insecureTlsWarning } from './tls-agent.ts';
export type { ProxmoxRequestEvent, RetryPolicy } from './transport.ts';
export type * from './types.ts';
