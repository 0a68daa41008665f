import type { ApiErrorFacts } from '../core/clone-error.ts';
import type { FailureReason } from '../core/types.ts';
import { ProxmoxApiError, ProxmoxAuthError } from '../proxmox/errors.ts';

/** An adapter error as facts for classifyCloneError. */
export function apiErrorFacts(error: unknown): ApiErrorFacts {
  if (error instanceof ProxmoxApiError) {
    const facts: ApiErrorFacts = { status: error.status, message: error.proxmoxMessage || error.message };
    if (Object.keys(error.errors).length > 0) facts.errors = error.errors;
    return facts;
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

/** The failure reason of an error met while reading the cluster (not a refused clone POST). */
export function readFailureReason(error: unknown): FailureReason {
  if (error instanceof ProxmoxAuthError) return 'permission-denied';
  if (error instanceof ProxmoxApiError) {
    if (error.isPermissionDenied()) return 'permission-denied';
    if (error.status === 595 || error.status === 596) return 'node-offline';
  }
  return 'proxmox-unreachable';
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
