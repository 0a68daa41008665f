import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { scaledClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { bullPrefix, CLONE_QUEUE_NAME } from '../../src/jobs/clone-queue.ts';
import { createLogger } from '../../src/logger.ts';
import { type Services, startServices } from '../../src/services/start-services.ts';
import { startProxmoxSim } from '../../src/sim/proxmox/index.ts';
import { type SlackSim, startSlackSim } from '../../src/sim/slack/index.ts';
import { connect, deleteKeys, freshPrefix } from '../requests/redis-fixture.ts';
import { CH, REQUESTER, textOf } from './e2e-harness.ts';
import { waitFor } from './wait-for.ts';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  closers.length = 0;
});

// The production wiring (startServices), not a test harness's notifier: a worker dies while Slack is posting
// its progress reply (posted, ts never saved); the worker that resumes the job must find that reply and edit
// it, not leave it saying "cloning" forever.
it('startServices: after a worker dies posting the progress reply, the next worker finds and finishes it', async () => {
  const clock = scaledClock(50);
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const pve = await startProxmoxSim({ clock });
  closers.push(() => pve.close());
  // Slack's latency faults wait on this clock: the held post is released by the test, not by a timer.
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const slackClock = { now: () => Date.now(), sleep: () => held };
  const slack: SlackSim = await startSlackSim({ clock: slackClock });
  closers.push(() => slack.close());
  const dir = await mkdtemp(join(tmpdir(), 'clonebot-services-'));
  closers.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'ca.pem'), pve.caPem);
  const prefix = freshPrefix();
  const admin: Redis = connect();
  closers.push(async () => {
    await deleteKeys(admin, prefix);
    await admin.quit();
  });
  const config = loadConfig(
    {
      PROXMOX_URL: pve.url,
      PROXMOX_CA_FILE: join(dir, 'ca.pem'),
      PROXMOX_TOKEN_ID: pve.token.id,
      PROXMOX_TOKEN_SECRET: pve.token.secret,
      PROGRESS_INTERVAL_SECONDS: '5',
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      CLONE_APPROVERS: 'S0APPROVERS',
    },
    ['proxmox', 'clone', 'slack', 'redis', 'log'],
  );
  const identity = { botId: slack.botId, botUserId: slack.botUserId };
  const bot: Services = await startServices(config, { mode: 'bot', clock, prefix, logger, identity });
  closers.push(() => bot.stop());
  slack.setAppUrl(`http://127.0.0.1:${bot.port}/slack/events`);
  const startWorker = () =>
    startServices(config, { mode: 'worker', clock, prefix, logger, worker: { stalledIntervalMs: 200 } });

  const dying = await startWorker();
  let dyingStopped = false;
  closers.push(async () => {
    if (!dyingStopped) await dying.stop({ drainTimeoutMs: 0 });
  });
  await slack.slashCommand({ userId: REQUESTER, channelId: CH, text: '112 as svc-phoenix on pve1' });
  const parent = await slack.waitUntil(() => slack.messages(CH)[0]);
  const id = await waitFor(async () => (await bot.store.listRecent(1))[0]?.id, 'the record');
  // The next post (the progress reply) is held by Slack long enough for its worker to die meanwhile.
  slack.injectFault('chat.postMessage', { type: 'latency', ms: 1 });
  await slack.clickButton({
    userId: 'U0APPROVER',
    channelId: CH,
    messageTs: parent.ts,
    buttonText: 'Approve',
  });
  await waitFor(async () => (await bot.store.get(id))?.startPosting, 'the progress reply being posted');
  // The process dies: no more Redis (so the reply's ts is never saved), and its job lock lapses.
  dyingStopped = true;
  await dying.stop({ drainTimeoutMs: 0 });
  await admin.del(`${bullPrefix(prefix)}:${CLONE_QUEUE_NAME}:${id}:lock`);
  release();
  const progress = await slack.waitUntil(() => slack.thread(CH, parent.ts)[0], 10_000);
  expect((await bot.store.get(id))?.progressTs).toBeUndefined();

  const survivor = await startWorker();
  closers.push(() => survivor.stop({ drainTimeoutMs: 1000 }));
  await waitFor(async () => (await bot.store.get(id))?.resultDelivered, 'the result', 20_000);
  const record = await bot.store.get(id);
  expect(record).toMatchObject({ status: 'done', progressTs: progress.ts });
  const replies = slack.thread(CH, parent.ts);
  expect(replies).toHaveLength(2);
  expect(textOf(replies[0])).toContain('Clone finished');
  expect(textOf(replies[1])).toContain('is ready');
});
