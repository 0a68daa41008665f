import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import type { RequesterNotice, RequestMessenger } from '../../src/requests/request-messenger.ts';
import { type ApprovalCheck, createRequestService } from '../../src/requests/request-service.ts';
import type { CloneRequestRecord } from '../../src/requests/types.ts';
import { newRequest } from './lifecycle-fixtures.ts';
import { memoryRequestStore } from './memory-request-store.ts';
import { manualClock } from './redis-fixture.ts';

/** Every effect of the service on its ports, in order: what was queued and what the chat was told. */
type Effect = string;

function setup(opts: { queueFails?: boolean; postFails?: boolean; approvalCheck?: ApprovalCheck } = {}) {
  const clock = manualClock();
  const store = memoryRequestStore(clock, 60_000);
  const effects: Effect[] = [];
  const queue = {
    async enqueue(id: string) {
      if (opts.queueFails) {
        effects.push(`enqueue failed ${id}`);
        throw new Error('Connection is closed.');
      }
      effects.push(`enqueue ${id}`);
    },
  };
  const notices: RequesterNotice[] = [];
  const shown = (verb: string, r: CloneRequestRecord) => effects.push(`${verb} ${r.id} ${r.status}`);
  const messenger: RequestMessenger = {
    async postRequest(r) {
      if (opts.postFails) throw new Error('not_in_channel');
      shown('post', r);
      return '1700000000.000100';
    },
    async showRequest(r) {
      shown('show', r);
    },
    followRequest(r) {
      shown('follow', r);
    },
    async tellRequester(r, notice) {
      shown('tell', r);
      notices.push(notice);
    },
  };
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const requests = createRequestService({
    store,
    queue,
    messenger,
    clock,
    logger,
    ...(opts.approvalCheck ? { approvalCheck: opts.approvalCheck } : {}),
  });
  return { clock, store, effects, notices, requests };
}

const submitInput = (requireApproval: boolean) => {
  const { status: _status, ...rest } = newRequest();
  return { ...rest, requireApproval };
};

describe('the request service', () => {
  it('submit with approval: stores it pending, posts its message, saves the ts, queues nothing', async () => {
    const { effects, requests, store } = setup();
    const o = await requests.submit(submitInput(true));
    expect(o).toMatchObject({
      ok: true,
      queued: false,
      record: { status: 'pending', messageTs: '1700000000.000100' },
    });
    const id = o.record?.id as string;
    expect(effects).toEqual([`post ${id} pending`]);
    expect((await store.get(id))?.messageTs).toBe('1700000000.000100');
  });

  it('submit without approval: posts the thread parent, then queues it', async () => {
    const { effects, requests } = setup();
    const o = await requests.submit(submitInput(false));
    const id = o.record?.id as string;
    expect(o).toMatchObject({ ok: true, queued: true, record: { status: 'approved' } });
    expect(effects).toEqual([`post ${id} approved`, `enqueue ${id}`]);
  });

  it('submit whose message cannot be posted withdraws the request and queues nothing', async () => {
    const { effects, requests, store } = setup({ postFails: true });
    const o = await requests.submit(submitInput(false));
    expect(o).toMatchObject({ ok: false, reason: 'not-posted' });
    expect(effects).toEqual([]);
    expect(await store.get(o.record?.id as string)).toMatchObject({
      status: 'cancelled',
      cancelledBy: 'system',
    });
  });

  it('submit the queue refuses: failed, its message shows it, the requester is told what to type again', async () => {
    const { effects, notices, requests } = setup({ queueFails: true });
    const o = await requests.submit(submitInput(false));
    const id = o.record?.id as string;
    expect(o).toMatchObject({ ok: false, reason: 'not-queued', record: { status: 'failed' } });
    expect(effects).toEqual([
      `post ${id} approved`,
      `enqueue failed ${id}`,
      `show ${id} failed`,
      `tell ${id} failed`,
    ]);
    expect(notices).toEqual([{ kind: 'not-queued', text: '112 as web-1 on pve1' }]);
  });

  it('approve queues the job before any edit of the message (a stuck edit cannot strand it)', async () => {
    const { effects, requests, store } = setup();
    const r = await store.create(newRequest());
    const o = await requests.approve(r.id, 'U0BOSS');
    expect(o).toMatchObject({
      ok: true,
      previous: 'pending',
      record: { status: 'approved', decidedBy: 'U0BOSS' },
    });
    // The old order (edit, then enqueue) would list the edit first.
    expect(effects).toEqual([`enqueue ${r.id}`, `follow ${r.id} approved`]);
  });

  it('approve the queue refuses: pending again, message untouched, so Approve can be clicked again', async () => {
    const { effects, requests, store } = setup({ queueFails: true });
    const r = await store.create(newRequest());
    const o = await requests.approve(r.id, 'U0BOSS');
    expect(o).toMatchObject({ ok: false, reason: 'not-queued', record: { status: 'pending' } });
    expect(effects).toEqual([`enqueue failed ${r.id}`]);
    expect(store.moves.map((m) => `${m.from}->${m.to}`)).toEqual(['pending->approved', 'approved->pending']);
  });

  it('approve the approval check refuses (the quota): nothing queued or moved, the requester told, still pending', async () => {
    const checked: string[] = [];
    const { effects, notices, requests, store } = setup({
      approvalCheck: async (r) => {
        checked.push(r.id);
        return r.text.includes('over')
          ? { approver: 'over, for the approver', requester: 'over, for you' }
          : undefined;
      },
    });
    const over = await store.create({ ...newRequest(), text: 'over quota' });
    const o = await requests.approve(over.id, 'U0BOSS');
    expect(o).toMatchObject({
      ok: false,
      reason: 'refused',
      why: 'over, for the approver',
      record: { status: 'pending' },
    });
    expect(effects).toEqual([`tell ${over.id} pending`]);
    expect(notices).toEqual([{ kind: 'not-approved', why: 'over, for you' }]);
    expect(store.moves).toEqual([]);
    const fits = await store.create(newRequest());
    expect(await requests.approve(fits.id, 'U0BOSS')).toMatchObject({
      ok: true,
      record: { status: 'approved' },
    });
    // A request the click cannot approve is not checked: the move says why (already approved).
    expect(await requests.approve(fits.id, 'U0BOSS')).toMatchObject({ ok: false, reason: 'wrong-status' });
    expect(checked).toEqual([over.id, fits.id]);
  });

  it('a second decision changes nothing and says what the request is; a late one shows it expired', async () => {
    const { clock, effects, requests, store } = setup();
    const r = await store.create(newRequest());
    await requests.approve(r.id, 'U0BOSS');
    expect(await requests.deny(r.id, 'U0OTHER')).toMatchObject({
      ok: false,
      reason: 'wrong-status',
      record: { status: 'approved', decidedBy: 'U0BOSS' },
    });
    const late = await store.create(newRequest());
    clock.advance(60_000);
    effects.length = 0;
    expect(await requests.approve(late.id, 'U0BOSS')).toMatchObject({ ok: false, reason: 'expired' });
    expect(effects).toEqual([`show ${late.id} expired`]);
    expect(await requests.approve('cr-nothere', 'U0BOSS')).toEqual({ ok: false, reason: 'not-found' });
  });

  it('deny shows the request denied and tells the requester who and why', async () => {
    const { effects, notices, requests, store } = setup();
    const r = await store.create(newRequest());
    const o = await requests.deny(r.id, 'U0BOSS', 'no capacity this week');
    expect(o).toMatchObject({ ok: true, record: { status: 'denied', denyReason: 'no capacity this week' } });
    expect(effects).toEqual([`show ${r.id} denied`, `tell ${r.id} denied`]);
    expect(notices).toEqual([{ kind: 'denied', by: 'U0BOSS', reason: 'no capacity this week' }]);
  });

  it('cancel tells the worker and shows the request cancelled; a finished one cannot be cancelled', async () => {
    const { effects, requests, store } = setup();
    const r = await store.create(newRequest({ status: 'approved' }));
    await requests.moves.start(r.id);
    expect(await requests.cancel(r.id, 'U0REQUESTER')).toMatchObject({ ok: true, previous: 'cloning' });
    expect(store.cancelsPublished).toEqual([r.id]);
    expect(effects).toEqual([`show ${r.id} cancelled`]);
    const done = await store.create(newRequest({ status: 'approved' }));
    await requests.moves.start(done.id);
    await requests.moves.finish(done.id, {
      ok: false,
      durationMs: 1,
      diagnosis: { reason: 'timeout', summary: 's', advice: [] },
    });
    expect(await requests.cancel(done.id, 'U0REQUESTER')).toMatchObject({
      ok: false,
      record: { status: 'failed' },
    });
  });

  it('expireDue expires the undecided requests past their deadline and shows each', async () => {
    const { clock, effects, requests, store } = setup();
    const a = await store.create(newRequest());
    const b = await store.create(newRequest({ status: 'approved' }));
    clock.advance(60_000);
    expect((await requests.expireDue()).map((r) => r.id)).toEqual([a.id]);
    expect(effects).toEqual([`show ${a.id} expired`]);
    expect((await store.get(b.id))?.status).toBe('approved');
  });
});
