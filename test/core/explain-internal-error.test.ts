import { describe, expect, it } from 'vitest';
import { explainInternalError } from '../../src/core/explain-internal-error.ts';

describe('explainInternalError', () => {
  it('says what failed in plain words, without the raw detail', () => {
    expect(explainInternalError('connect ECONNREFUSED 10.0.0.5:8006')).toBe(
      'the worker could not reach Proxmox (connection refused)',
    );
    expect(explainInternalError('getaddrinfo ENOTFOUND pve1.lab')).toContain('did not resolve');
    expect(explainInternalError('Connection is closed.')).toContain('could not reach Redis');
    expect(explainInternalError('connect ECONNREFUSED 10.0.0.9:6379')).toContain('could not reach Redis');
    const bug = explainInternalError("Cannot read properties of undefined (reading 'vmid')");
    expect(bug).toBe('the worker hit an unexpected error (logged with this request id for an admin)');
    expect(bug).not.toContain('vmid');
  });
});
