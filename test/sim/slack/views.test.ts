import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SlackSim, startSlackSim } from '../../../src/sim/slack/index.ts';
import { ManualClock } from './manual-clock.ts';
import { simClient } from './sim-client.ts';

// A minimal app that acks everything with 200 and keeps the trigger_ids it is given.
let app: Server;
let sim: SlackSim;
let clock: ManualClock;
let client: WebClient;

beforeAll(async () => {
  app = createServer((_req, res) => res.writeHead(200).end());
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  clock = new ManualClock();
  sim = await startSlackSim({ clock });
  sim.setAppUrl(`http://127.0.0.1:${(app.address() as AddressInfo).port}/slack/events`);
  client = simClient(sim);
});
afterAll(async () => {
  await sim.close();
  await new Promise((resolve) => app.close(resolve));
});
beforeEach(() => sim.reset());

const modal = (title: string, blocks: unknown[] = []) => ({
  type: 'modal' as const,
  title: { type: 'plain_text' as const, text: title },
  submit: { type: 'plain_text' as const, text: 'Clone' },
  blocks: blocks as never,
});
const trigger = async () =>
  (await sim.slashCommand({ userId: 'U0REQUESTER', channelId: 'C0CLONES', text: '' })).triggerId as string;

describe('slack sim views', () => {
  it('opens a modal with a fresh trigger_id and returns the view with id and hash', async () => {
    const res = await client.views.open({ trigger_id: await trigger(), view: modal('Clone a VM') });
    expect(res.view).toMatchObject({ type: 'modal', title: { text: 'Clone a VM' }, state: { values: {} } });
    expect(res.view?.id).toMatch(/^V/);
    expect(res.view?.hash).toBeTruthy();
    expect(sim.views('U0REQUESTER').map((v) => v.id)).toEqual([res.view?.id]);
  });

  it('expires a trigger_id after 3 s of clock time and accepts it only once', async () => {
    const late = await trigger();
    clock.advance(3001);
    await expect(client.views.open({ trigger_id: late, view: modal('x') })).rejects.toMatchObject({
      data: { error: 'expired_trigger_id' },
    });
    const once = await trigger();
    clock.advance(2999);
    await client.views.open({ trigger_id: once, view: modal('x') });
    await expect(client.views.open({ trigger_id: once, view: modal('x') })).rejects.toMatchObject({
      data: { error: 'expired_trigger_id' },
    });
    await expect(client.views.open({ trigger_id: '1.2.unknown', view: modal('x') })).rejects.toMatchObject({
      data: { error: 'invalid_trigger_id' },
    });
  });

  it('updates by view id with hash checks, pushes, and publishes a Home tab', async () => {
    const opened = await client.views.open({ trigger_id: await trigger(), view: modal('One') });
    const id = opened.view?.id as string;
    const updated = await client.views.update({
      view_id: id,
      hash: opened.view?.hash as string,
      view: modal('Two'),
    });
    expect(updated.view).toMatchObject({ id, title: { text: 'Two' } });
    await expect(
      client.views.update({ view_id: id, hash: opened.view?.hash as string, view: modal('Three') }),
    ).rejects.toMatchObject({ data: { error: 'hash_conflict' } });
    const pushed = await client.views.push({ trigger_id: await trigger(), view: modal('Pushed') });
    expect(pushed.view).toMatchObject({ root_view_id: id, previous_view_id: id });
    expect(sim.views('U0REQUESTER').map((v) => v.view.title)).toMatchObject([
      { text: 'Two' },
      { text: 'Pushed' },
    ]);
    await client.views.publish({
      user_id: 'U0APPROVER',
      view: { type: 'home', blocks: [{ type: 'divider' }] },
    });
    expect(sim.views('U0APPROVER')).toMatchObject([{ type: 'home' }]);
    await expect(client.views.update({ view_id: 'V404', view: modal('x') })).rejects.toMatchObject({
      data: { error: 'not_found' },
    });
  });
});
