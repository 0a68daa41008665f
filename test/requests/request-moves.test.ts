import { describe, expect, it } from 'vitest';
import { createRequestMoves } from '../../src/requests/request-moves.ts';
import { failure, newRequest, success } from './lifecycle-fixtures.ts';
import { memoryRequestStore } from './memory-request-store.ts';
import { manualClock } from './redis-fixture.ts';

function setup() {
  const clock = manualClock();
  const store = memoryRequestStore(clock, 60_000);
  return { clock, store, moves: createRequestMoves({ store, clock }) };
}

describe('request moves', () => {
  it('applies an event only where the table allows it, and says what the request is instead', async () => {
    const { store, moves } = setup();
    const r = await store.create(newRequest());
    const approved = await moves.move(r.id, 'approve', { decidedBy: 'U0BOSS' });
    expect(approved).toMatchObject({ ok: true, previous: 'pending', record: { status: 'approved' } });
    const again = await moves.move(r.id, 'deny', { decidedBy: 'U0OTHER' });
    expect(again).toMatchObject({ ok: false, reason: 'wrong-status', record: { status: 'approved' } });
    expect(await moves.move('cr-nothere', 'approve')).toEqual({ ok: false, reason: 'not-found' });
    expect(store.moves).toEqual([{ id: r.id, from: 'pending', to: 'approved', actor: 'U0BOSS' }]);
  });

  it('a decision after the deadline expires the request instead', async () => {
    const { clock, store, moves } = setup();
    const r = await store.create(newRequest());
    clock.advance(60_000);
    expect(await moves.move(r.id, 'approve', { decidedBy: 'U0BOSS' })).toMatchObject({
      ok: false,
      reason: 'expired',
      record: { status: 'expired' },
    });
  });

  it('starts only an approved request, stamping when', async () => {
    const { clock, store, moves } = setup();
    const pending = await store.create(newRequest());
    expect(await moves.start(pending.id)).toMatchObject({ ok: false, reason: 'wrong-status' });
    const r = await store.create(newRequest({ status: 'approved' }));
    expect(await moves.start(r.id)).toMatchObject({
      ok: true,
      record: { status: 'cloning', startedAt: clock.now() },
    });
    await moves.cancel(r.id, 'U0REQUESTER');
    expect(store.cancelsPublished).toEqual([r.id]);
    expect(await moves.start(r.id)).toMatchObject({ ok: false, record: { status: 'cancelled' } });
  });

  it('saves a result with the status it proves, a late cancel included', async () => {
    const { store, moves } = setup();
    const started = async () => {
      const r = await store.create(newRequest({ status: 'approved' }));
      await moves.start(r.id);
      return r.id;
    };
    const a = await started();
    expect(await moves.finish(a, success)).toMatchObject({ status: 'done', result: success });
    const b = await started();
    expect(await moves.finish(b, failure())).toMatchObject({ status: 'failed' });
    const c = await started();
    await moves.cancel(c, 'U0REQUESTER');
    // The stop came too late: the VM exists, so the request is done, and who cancelled is kept.
    expect(await moves.finish(c, success)).toMatchObject({ status: 'done', cancelledBy: 'U0REQUESTER' });
    const d = await started();
    await moves.cancel(d, 'U0REQUESTER');
    // The task was stopped: the result is saved, the status stays cancelled.
    expect(await moves.finish(d, failure('cancelled'))).toMatchObject({
      status: 'cancelled',
      result: { diagnosis: { reason: 'cancelled' } },
    });
    expect(await moves.finish('cr-nothere', success)).toBeUndefined();
  });

  it('gives up only on a request that has not ended', async () => {
    const { store, moves } = setup();
    const r = await store.create(newRequest({ status: 'approved' }));
    expect(await moves.giveUp(r.id, failure('proxmox-unreachable'))).toMatchObject({
      ok: true,
      record: { status: 'failed', result: { ok: false } },
    });
    expect(await moves.giveUp(r.id, failure('proxmox-unreachable'))).toMatchObject({ ok: false });
  });

  it('records progress, delivery and abandonment without changing the status', async () => {
    const { clock, store, moves } = setup();
    const r = await store.create(newRequest({ status: 'approved' }));
    await moves.start(r.id);
    const p = { percent: 40, elapsedMs: 1000 } as never;
    expect(await moves.progress(r.id, p)).toMatchObject({ status: 'cloning', lastProgress: p });
    await moves.finish(r.id, success);
    expect(await moves.delivered(r.id, { channel: 'C0CLONES', ts: '1.5' })).toMatchObject({
      status: 'done',
      resultDelivered: true,
      resultTs: { channel: 'C0CLONES', ts: '1.5' },
    });
    const q = await store.create(newRequest({ status: 'approved' }));
    await moves.start(q.id);
    await moves.finish(q.id, failure());
    expect(await moves.abandoned(q.id, 'channel_not_found')).toMatchObject({
      status: 'failed',
      deliveryAbandoned: { at: clock.now(), reason: 'channel_not_found' },
    });
  });

  it('expires every pending request past its deadline, and only those', async () => {
    const { clock, store, moves } = setup();
    const old = await store.create(newRequest());
    clock.advance(30_000);
    const young = await store.create(newRequest());
    clock.advance(30_000);
    expect((await moves.expireDue()).map((r) => r.id)).toEqual([old.id]);
    expect((await store.get(young.id))?.status).toBe('pending');
  });
});
