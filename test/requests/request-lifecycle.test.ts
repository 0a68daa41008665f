import { describe, expect, it } from 'vitest';
import {
  initialStatus,
  nextStatus,
  REQUEST_STATUSES,
  REQUEST_TRANSITIONS,
  type RequestEvent,
  resultEvent,
  statusAfterResult,
  statusesAllowing,
  targetOf,
} from '../../src/requests/request-lifecycle.ts';
import { TERMINAL_STATUSES } from '../../src/requests/types.ts';
import { failure, success } from './lifecycle-fixtures.ts';

const EVENTS: RequestEvent[] = [
  'approve',
  'deny',
  'expire',
  'cancel',
  'withdraw',
  'unapprove',
  'unqueued',
  'start',
  'succeed',
  'fail',
  'stop',
  'give-up',
];

/** Every move as `from --event--> to`, so a change to the table is a deliberate change to this list. */
const ALL_MOVES = [
  'pending --approve--> approved',
  'pending --deny--> denied',
  'pending --expire--> expired',
  'pending --cancel--> cancelled',
  'pending --withdraw--> cancelled',
  'approved --start--> cloning',
  'approved --cancel--> cancelled',
  'approved --withdraw--> cancelled',
  'approved --unapprove--> pending',
  'approved --unqueued--> failed',
  'approved --give-up--> failed',
  'cloning --succeed--> done',
  'cloning --fail--> failed',
  'cloning --stop--> cancelled',
  'cloning --cancel--> cancelled',
  'cloning --give-up--> failed',
  'cancelled --succeed--> done',
  'cancelled --fail--> failed',
  'failed --succeed--> done',
];

describe('the request lifecycle table', () => {
  it('lists every status and exactly these moves', () => {
    expect(REQUEST_STATUSES).toEqual([
      'pending',
      'approved',
      'cloning',
      'cancelled',
      'done',
      'failed',
      'denied',
      'expired',
    ]);
    const moves = REQUEST_STATUSES.flatMap((from) =>
      EVENTS.flatMap((e) => {
        const to = nextStatus(from, e);
        return to === undefined ? [] : [`${from} --${e}--> ${to}`];
      }),
    );
    expect([...moves].sort()).toEqual([...ALL_MOVES].sort());
    // No event the table names is missing from EVENTS (so the list above is complete).
    const named = new Set(Object.values(REQUEST_TRANSITIONS).flatMap((m) => Object.keys(m)));
    expect([...named].sort()).toEqual([...EVENTS].sort());
  });

  it('gives each event one target wherever it happens (the store moves atomically to one status)', () => {
    for (const e of EVENTS) {
      const targets = new Set(statusesAllowing(e).map((s) => nextStatus(s, e)));
      expect([...targets], e).toEqual([targetOf(e)]);
    }
  });

  it('lets nothing leave done, denied or expired, and a cancelled or failed request move only on a result', () => {
    for (const s of ['done', 'denied', 'expired'] as const) {
      expect(
        EVENTS.filter((e) => nextStatus(s, e) !== undefined),
        s,
      ).toEqual([]);
    }
    expect(EVENTS.filter((e) => nextStatus('cancelled', e) !== undefined)).toEqual(['succeed', 'fail']);
    expect(EVENTS.filter((e) => nextStatus('failed', e) !== undefined)).toEqual(['succeed']);
    expect(TERMINAL_STATUSES).toEqual(['done', 'failed', 'denied', 'cancelled', 'expired']);
  });

  it('reaches cloning only by a worker starting an approved request, and pending only by a rollback', () => {
    const into = (to: string) =>
      REQUEST_STATUSES.flatMap((s) => EVENTS.filter((e) => nextStatus(s, e) === to).map((e) => `${s}:${e}`));
    expect(into('cloning')).toEqual(['approved:start']);
    expect(into('pending')).toEqual(['approved:unapprove']);
    expect(into('approved')).toEqual(['pending:approve']);
  });

  it('lets a cancel reach every request that has not ended, and nothing else', () => {
    expect(statusesAllowing('cancel')).toEqual(['pending', 'approved', 'cloning']);
    expect(statusesAllowing('expire')).toEqual(['pending']);
    expect(statusesAllowing('start')).toEqual(['approved']);
  });

  it('starts a request pending when approval is required, approved otherwise', () => {
    expect(initialStatus(true)).toBe('pending');
    expect(initialStatus(false)).toBe('approved');
  });

  it('reads a result as what happened on Proxmox, and decides the final status once', () => {
    expect(resultEvent(success)).toBe('succeed');
    expect(resultEvent(failure('task-failed'))).toBe('fail');
    expect(resultEvent(failure('cancelled'))).toBe('stop');
    expect(statusAfterResult('cloning', success)).toBe('done');
    expect(statusAfterResult('cloning', failure())).toBe('failed');
    expect(statusAfterResult('cloning', failure('cancelled'))).toBe('cancelled');
    // A cancel that came too late: the VM exists, or the clone failed on its own.
    expect(statusAfterResult('cancelled', success)).toBe('done');
    expect(statusAfterResult('cancelled', failure())).toBe('failed');
    expect(statusAfterResult('cancelled', failure('cancelled'))).toBe('cancelled');
    // Once saved, the result moves nothing more (a re-delivery reads the same status).
    for (const r of [success, failure(), failure('cancelled')]) {
      const once = statusAfterResult('cloning', r);
      expect(statusAfterResult(once, r)).toBe(once);
    }
  });
});
