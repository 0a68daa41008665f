import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { type Clock, scaledClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import type { StartServicesOptions } from '../../src/services/services-types.ts';
import { type Services, startServices } from '../../src/services/start-services.ts';
import { type ProxmoxSim, startProxmoxSim } from '../../src/sim/proxmox/index.ts';
import {
  type AppTransport,
  type SimMessage,
  type SlackSim,
  startSlackSim,
} from '../../src/sim/slack/index.ts';
import { connect, deleteKeys, freshPrefix } from '../requests/redis-fixture.ts';
import { waitFor } from './wait-for.ts';

/** The channel, requester and approver of the e2e tests (the Slack sim's demo workspace). */
export const CH = 'C0CLONES';
export const REQUESTER = 'U0REQUESTER';
export const APPROVER = 'U0APPROVER';

/**
 * Everything real but the two outside systems: the composition root's startServices (Bolt app over HTTP,
 * BullMQ worker, request store, real Slack notifier, real engine and Proxmox client) on a fresh Redis prefix,
 * against the Proxmox simulator (HTTPS, scaled clock) and the fake Slack Web API.
 */
export interface E2E {
  pve: ProxmoxSim;
  slack: SlackSim;
  services: Services;
  clock: Clock;
  /** The Redis key prefix this world's services use, and a connection to look at their keys. */
  prefix: string;
  redis: Redis;
  /** Types `/clone text` as `user`; resolves with the request message once posted. */
  request(text: string, user?: string): Promise<{ parent: SimMessage; id: string }>;
  approve(parent: SimMessage, user?: string): Promise<unknown>;
  /** The thread's replies once `probe` accepts them. */
  thread(
    parent: SimMessage,
    probe: (replies: SimMessage[]) => boolean,
    timeoutMs?: number,
  ): Promise<SimMessage[]>;
  clonePosts(): number;
  close(): Promise<void>;
}

/** The Socket Mode client's pong deadline (and so its reconnect delay) in the E2E world, real ms. */
export const SOCKET_PONG_DEADLINE_MS = 1000;

/** The two ways the bot receives Slack's requests; the main e2e paths run in both. */
export const TRANSPORTS: readonly AppTransport[] = ['http', 'socket'];

/**
 * Starts an E2E world; `env` adds configuration (e.g. CLONE_REQUIRE_APPROVAL=false). `transport: 'socket'`
 * runs the bot in Socket Mode (SLACK_APP_TOKEN set, the sim delivering envelopes over its WebSocket).
 */
export async function startE2E(
  env: Record<string, string> = {},
  scale = 100,
  options: {
    transport?: AppTransport;
    socketTiming?: { clientPingTimeoutMs?: number };
    /** The services' logger (default: silent), e.g. one writing to memory for a failing test's report. */
    logger?: Logger;
    /** Worker tuning (real ms), merged over the harness's `slotRetryMs: 50`. */
    worker?: StartServicesOptions['worker'];
  } = {},
): Promise<E2E> {
  const transport = options.transport ?? 'http';
  const clock = scaledClock(scale);
  const pve = await startProxmoxSim({ clock });
  const slack = await startSlackSim({ transport });
  const dir = await mkdtemp(join(tmpdir(), 'clonebot-e2e-'));
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, pve.caPem);
  const prefix = freshPrefix();
  const redis: Redis = connect();
  const config = loadConfig(
    {
      PROXMOX_URL: pve.url,
      PROXMOX_CA_FILE: caFile,
      PROXMOX_TOKEN_ID: pve.token.id,
      PROXMOX_TOKEN_SECRET: pve.token.secret,
      CLONE_TIMEOUT_SECONDS: '900',
      PROGRESS_INTERVAL_SECONDS: '5',
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      CLONE_APPROVERS: 'U0BOSS,S0APPROVERS',
      REDIS_URL: 'redis://127.0.0.1:6379',
      LOG_LEVEL: 'silent',
      ...(transport === 'socket' ? { SLACK_APP_TOKEN: slack.appToken } : {}),
      ...env,
    },
    ['proxmox', 'clone', 'slack', 'redis', 'log'],
  );
  const services = await startServices(config, {
    mode: 'all',
    clock,
    prefix,
    logger: options.logger ?? createLogger('silent'),
    identity: { botId: slack.botId, botUserId: slack.botUserId },
    worker: { slotRetryMs: 50, ...options.worker },
    // A dropped connection is back in 1 s instead of the client's default 5 s. The client ties its reconnect
    // delay to its pong deadline, so this is also how long it lets a pong be late: 150 ms dropped the
    // connection whenever a loaded machine stalled this process that long (a spurious reconnect, /healthz 503).
    socketTiming: options.socketTiming ?? { clientPingTimeoutMs: SOCKET_PONG_DEADLINE_MS },
  });
  if (transport === 'http') slack.setAppUrl(`http://127.0.0.1:${services.port}/slack/events`);

  const e2e: E2E = {
    pve,
    slack,
    services,
    clock,
    prefix,
    redis,
    async request(text, user = REQUESTER) {
      const before = slack.messages(CH).length;
      await slack.slashCommand({ userId: user, channelId: CH, text });
      const parent = await slack.waitUntil(() => slack.messages(CH)[before], 10_000);
      const id = await waitFor(async () => {
        const r = (await services.store.listRecent(5)).find((x) => x.messageTs === parent.ts);
        return r?.id;
      }, 'the request record');
      return { parent, id };
    },
    approve: (parent, user = APPROVER) =>
      slack.clickButton({ userId: user, channelId: CH, messageTs: parent.ts, buttonText: 'Approve' }),
    thread: (parent, probe, timeoutMs = 15_000) =>
      slack.waitUntil(() => {
        const replies = slack.thread(CH, parent.ts);
        return probe(replies) ? replies : undefined;
      }, timeoutMs),
    clonePosts: () => pve.requests.count('POST', /^\/nodes\/[^/]+\/qemu\/\d+\/clone$/),
    async close() {
      await services.stop({ drainTimeoutMs: 2000 });
      await slack.close();
      await pve.close();
      await deleteKeys(redis, prefix);
      await redis.quit();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return e2e;
}

/** Blocks and text of a message as one string, for `toContain`. */
export const textOf = (m: SimMessage | undefined): string =>
  m ? `${m.text} ${JSON.stringify(m.blocks ?? [])}` : '';
