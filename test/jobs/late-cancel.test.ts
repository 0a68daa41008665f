import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SlackSim, startSlackSim } from '../../src/sim/slack/index.ts';
import { createSlackNotifier } from '../../src/slack/slack-notifier.ts';
import { textOf } from '../slack/e2e-harness.ts';
import { FakeCluster } from './fake-clone-engine.ts';
import { until, workerHarness } from './worker-harness.ts';

type Harness = Awaited<ReturnType<typeof workerHarness>>;

// A cancel is a status change plus a pub/sub message to the worker running the clone. Pub/sub is
// fire-and-forget: these tests change the status without the message, as if it had been lost.
describe('a cancel whose stop message never reached the worker', () => {
  let h: Harness;
  let cluster: FakeCluster;

  beforeEach(async () => {
    h = await workerHarness();
    cluster = new FakeCluster();
  });

  afterEach(async () => {
    await h.cleanup();
  });

  const startClone = async () => {
    const r = await h.submit();
    await until('the checkpoint', async () => (await h.store.get(r.id))?.checkpoint?.step === 'started');
    const upid = cluster.running()[0]?.upid as string;
    return { id: r.id, upid };
  };
  const cancelSilently = async (id: string) =>
    expect(
      await h.store.transition(id, ['cloning'], 'cancelled', { cancelledBy: 'U111' }, 'U111'),
    ).toMatchObject({ ok: true });

  it('stops the clone at the next progress tick, from the record status', async () => {
    await h.startWorker(cluster.engine());
    const { id, upid } = await startClone();
    await cancelSilently(id);
    await cluster.tick(upid);
    await until('the task to stop', () => cluster.tasks.get(upid)?.state === 'stopped', 3000);
    await until('delivery', () => h.recorder.delivered().length === 1);
    expect(h.recorder.delivered()[0]?.result).toMatchObject({
      ok: false,
      diagnosis: { reason: 'cancelled' },
    });
    expect(await h.store.get(id)).toMatchObject({ status: 'cancelled', cancelledBy: 'U111' });
  });

  it('records a clone that completed before the cancel could stop it as done, keeping who cancelled', async () => {
    await h.startWorker(cluster.engine());
    const { id, upid } = await startClone();
    await cancelSilently(id);
    cluster.finish(upid); // no progress tick in between: the cancel came too late
    await until('delivery', () => h.recorder.delivered().length === 1);
    const record = await h.store.get(id);
    expect(record).toMatchObject({ status: 'done', cancelledBy: 'U111', result: { ok: true, vmid: 200 } });
    expect(h.recorder.delivered()[0]?.record.status).toBe('done');
    expect(await h.store.listByStatus('cancelled')).toEqual([]);
    expect((await h.store.listByStatus('done')).map((r) => r.id)).toEqual([id]);
  });

  describe('in Slack', () => {
    let slack: SlackSim;
    beforeEach(async () => {
      slack = await startSlackSim();
    });
    afterEach(async () => {
      await slack.close();
    });

    it('the request message says done and the result reply says the cancel came too late', async () => {
      const client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl });
      const notifier = createSlackNotifier({
        client,
        store: h.store,
        clock: h.clock,
        logger: h.logger,
        proxmoxUiUrl: 'https://pve1:8006',
      });
      await h.startWorker(cluster.engine(), { notifier });
      const parent = await client.chat.postMessage({ channel: 'C0CLONES', text: 'request' });
      const r = await h.store.create({
        request: { template: { kind: 'vmid', vmid: 112 }, name: 'late-1', node: 'pve1', mode: 'full' },
        text: '112 as late-1 on pve1',
        requester: { userId: 'U111' },
        channelId: 'C0CLONES',
        messageTs: parent.ts as string,
        status: 'approved',
      });
      await h.queue.enqueue(r.id);
      await until('the checkpoint', async () => (await h.store.get(r.id))?.checkpoint?.step === 'started');
      await cancelSilently(r.id);
      cluster.finish(cluster.running()[0]?.upid as string);
      await until('delivery', async () => (await h.store.get(r.id))?.resultDelivered === true);
      expect(await h.store.get(r.id)).toMatchObject({ status: 'done', cancelledBy: 'U111' });
      const replies = slack.thread('C0CLONES', parent.ts as string);
      const result = textOf(replies[replies.length - 1]);
      expect(result).toContain('is ready');
      expect(result).toContain('The cancel by <@U111> came too late');
      expect(result).toContain('VM 200 exists');
      await until('the parent to say done', () => textOf(slack.messages('C0CLONES')[0]).includes('*Done*'));
      expect(textOf(slack.messages('C0CLONES')[0])).not.toContain('Cancelled');
    });
  });
});
