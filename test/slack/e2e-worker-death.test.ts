import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { scaledClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { bullPrefix, CLONE_QUEUE_NAME } from '../../src/jobs/clone-queue.ts';
import { type CloneWorker, createCloneWorker } from '../../src/jobs/clone-worker.ts';
import { createLogger } from '../../src/logger.ts';
import { createRequestStore } from '../../src/requests/request-store.ts';
import { type Services, startServices } from '../../src/services/start-services.ts';
import { type SlackSim, startSlackSim } from '../../src/sim/slack/index.ts';
import { createSlackNotifier } from '../../src/slack/slack-notifier.ts';
import { type SimEngines, startSimEngines } from '../jobs/sim-engine.ts';
import { connect, deleteKeys, freshPrefix } from '../requests/redis-fixture.ts';
import { CH, REQUESTER, textOf } from './e2e-harness.ts';
import { waitFor } from './wait-for.ts';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  closers.length = 0;
});

it('a worker killed mid-clone: another worker finishes it, one clone on Proxmox, one progress reply, one result', async () => {
  const clock = scaledClock(50);
  const logger = createLogger('silent');
  const pve: SimEngines = await startSimEngines(clock, logger);
  closers.push(() => pve.close());
  const slack: SlackSim = await startSlackSim();
  closers.push(() => slack.close());
  const dir = await mkdtemp(join(tmpdir(), 'clonebot-e2e-'));
  closers.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'ca.pem'), pve.sim.caPem);
  const prefix = freshPrefix();
  const admin: Redis = connect();
  closers.push(async () => {
    await deleteKeys(admin, prefix);
    await admin.quit();
  });
  const config = loadConfig(
    {
      PROXMOX_URL: pve.sim.url,
      PROXMOX_CA_FILE: join(dir, 'ca.pem'),
      PROXMOX_TOKEN_ID: pve.sim.token.id,
      PROXMOX_TOKEN_SECRET: pve.sim.token.secret,
      PROGRESS_INTERVAL_SECONDS: '5',
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      CLONE_APPROVERS: 'S0APPROVERS',
    },
    ['proxmox', 'clone', 'slack', 'redis', 'log'],
  );
  // The bot alone (npm run start:bot); the workers are separate "processes" below.
  const bot: Services = await startServices(config, {
    mode: 'bot',
    clock,
    prefix,
    logger,
    identity: { botId: slack.botId, botUserId: slack.botUserId },
  });
  closers.push(() => bot.stop());
  slack.setAppUrl(`http://127.0.0.1:${bot.port}/slack/events`);

  const startWorker = async (engine: ReturnType<SimEngines['engine']>) => {
    const connection = connect();
    const store = createRequestStore(connection, { prefix, clock });
    const web = { slackApiUrl: slack.apiUrl };
    const worker: CloneWorker = await createCloneWorker({
      connection,
      engine,
      store,
      notifier: createSlackNotifier({
        client: new WebClient(slack.botToken, web),
        progressClient: new WebClient(slack.botToken, { ...web, rejectRateLimitedCalls: true }),
        store,
        clock,
        logger,
        proxmoxUiUrl: pve.sim.url,
      }),
      clock,
      logger,
      concurrencyPerNode: 2,
      prefix,
      // Default (30 s) locks, so a live worker's lock never lapses on a busy machine; the death below
      // expires the dead worker's lock at once, and the survivor looks for stalled jobs every 200 ms.
      stalledIntervalMs: 200,
      slotRetryMs: 30,
    });
    closers.push(async () => {
      await worker.close({ drainTimeoutMs: 1000 });
      connection.disconnect();
    });
    return {
      async kill(jobId: string) {
        engine.freeze(); // a dead process makes no more Proxmox calls…
        await worker.worker.close(true); // …and takes no more jobs…
        connection.disconnect();
        // …and its job lock expires: fast-forwarded here by deleting BullMQ's lock key (it has a TTL).
        expect(await admin.del(`${bullPrefix(prefix)}:${CLONE_QUEUE_NAME}:${jobId}:lock`)).toBe(1);
      },
    };
  };

  const dying = await startWorker(pve.engine());
  await slack.slashCommand({ userId: REQUESTER, channelId: CH, text: '112 as e2e-phoenix on pve1' });
  const parent = await slack.waitUntil(() => slack.messages(CH)[0]);
  const id = await waitFor(async () => (await bot.store.listRecent(1))[0]?.id, 'the record');
  await slack.clickButton({
    userId: 'U0APPROVER',
    channelId: CH,
    messageTs: parent.ts,
    buttonText: 'Approve',
  });
  await waitFor(async () => (await bot.store.get(id))?.checkpoint?.step === 'started', 'the clone task');
  await slack.waitUntil(() => slack.thread(CH, parent.ts)[0]);
  await dying.kill(id);
  expect(pve.runningClones('pve1')).toBe(1);

  await startWorker(pve.engine());
  const replies = await slack.waitUntil(() => {
    const r = slack.thread(CH, parent.ts);
    return r.length >= 2 ? r : undefined;
  }, 20_000);
  await waitFor(async () => (await bot.store.get(id))?.resultDelivered, 'the delivery flag');
  expect(pve.clonePosts()).toBe(1);
  expect(replies).toHaveLength(2);
  expect(textOf(replies[0])).toContain('Clone finished');
  expect(textOf(replies[1])).toContain('e2e-phoenix');
  expect(textOf(replies[1])).toContain('is ready');
  expect((await bot.store.get(id))?.status).toBe('done');
  expect(slack.thread(CH, parent.ts)).toHaveLength(2);
});
