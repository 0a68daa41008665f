import { describe, expect, it } from 'vitest';
import {
  isAmbiguousWrite,
  isRetryableRead,
  ProxmoxApiError,
  ProxmoxAuthError,
  ProxmoxNetworkError,
  ProxmoxTimeoutError,
} from '../../src/proxmox/errors.ts';

const api = (status: number, message: string, errors?: Record<string, string>) =>
  new ProxmoxApiError('GET', '/x', status, message, errors);

describe('ProxmoxApiError', () => {
  it.each([
    [500, "Configuration file 'nodes/pve1/qemu-server/9000.conf' does not exist", undefined],
    [400, 'Parameter verification failed.', { upid: 'no such task' }],
    [404, '', undefined],
  ])('%i %s is not-found', (status, message, errors) => {
    expect(api(status, message, errors).isNotFound()).toBe(true);
  });

  it('a VMID clash is not a not-found', () => {
    expect(api(500, 'unable to create VM 200: config file already exists').isNotFound()).toBe(false);
  });

  it.each([
    [500, "Configuration file 'x' does not exist", false, false],
    [500, 'unable to create VM 200: config file already exists', false, false],
    [500, 'VM is locked (backup)', false, false],
    [500, '', true, true],
    [500, 'Internal Server Error', true, true],
    [500, "cfs-lock 'file-user_cfg' error: got lock request timeout", true, false],
    [500, 'cluster not ready - no quorum?', true, false],
    [502, 'Bad Gateway', true, true],
    [503, 'Service Unavailable', true, true],
    // The proxy could not connect to the node: the POST never reached it.
    [595, 'Connection refused', true, false],
    [595, 'No route to host', true, false],
    // An inactivity timeout can also end a forward whose request was sent.
    [595, 'Connection timed out', true, true],
    [596, 'tls_process_server_certificate: certificate verify failed', true, true],
    [400, 'Parameter verification failed.', false, false],
    [403, 'Permission check failed (/vms/9000, VM.Clone)', false, false],
  ])('%i %j: GET retryable %s, POST ambiguous %s', (status, message, retry, ambiguous) => {
    expect(isRetryableRead(api(status, message))).toBe(retry);
    expect(isAmbiguousWrite(api(status, message))).toBe(ambiguous);
  });

  it('auth, network and timeout errors', () => {
    const auth = new ProxmoxAuthError('GET', '/x', 'No ticket', 'hint');
    expect(isRetryableRead(auth)).toBe(false);
    expect(isAmbiguousWrite(auth)).toBe(false);
    const refused = new ProxmoxNetworkError('POST', '/x', 'ECONNREFUSED', false, 'refused');
    const reset = new ProxmoxNetworkError('POST', '/x', 'UND_ERR_SOCKET', undefined, 'other side closed');
    expect(isRetryableRead(refused)).toBe(true);
    expect(isAmbiguousWrite(refused)).toBe(false);
    expect(isAmbiguousWrite(reset)).toBe(true);
    expect(isAmbiguousWrite(new ProxmoxTimeoutError('POST', '/x', 30_000))).toBe(true);
    expect(new ProxmoxTimeoutError('POST', '/x', 30_000).message).toBe(
      'Proxmox POST /x: no answer within 30s',
    );
  });
});
