import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '@slack/bolt';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Clock } from '../../src/clock.ts';
import { systemClock } from '../../src/clock.ts';
import type { LeftoverVmProxmox } from '../../src/clone/delete-leftover-vm.ts';
import type { CloneEngine, PreflightResult, TemplateSummary } from '../../src/clone/types.ts';
import { loadConfig, type SlackConfig } from '../../src/config.ts';
import type { CloneRequest } from '../../src/core/types.ts';
import { bullPrefix, CLONE_QUEUE_NAME, createCloneQueue } from '../../src/jobs/clone-queue.ts';
import type { CloneQueue } from '../../src/jobs/types.ts';
import { createLogger } from '../../src/logger.ts';
import type { NodeInfo, StorageInfo } from '../../src/proxmox/types.ts';
import { createRequestStore } from '../../src/requests/request-store.ts';
import type { RequestStore } from '../../src/requests/types.ts';
import { type AppTransport, type SlackSim, startSlackSim } from '../../src/sim/slack/index.ts';
import { boltLogger } from '../../src/slack/bolt-logger.ts';
import { createSlackApp } from '../../src/slack/create-slack-app.ts';
import { createSocketReceiver } from '../../src/slack/create-socket-receiver.ts';
import { createDeliveryGuard } from '../../src/slack/delivery-guard.ts';
import { connect, deleteKeys, freshPrefix } from '../requests/redis-fixture.ts';

/**
 * A cluster as the Slack side sees it through the engine's preflight and listTemplates: enough to drive
 * every listener path without Proxmox (the e2e tests run the real engine against the simulator).
 */
export function standInEngine(opts: { taken?: string[]; templates?: TemplateSummary[] } = {}): CloneEngine {
  const templates = opts.templates ?? [
    { vmid: 112, node: 'pve1', name: 'ubuntu-24', bootDisk: 'scsi0', problems: [] },
    { vmid: 9105, node: 'pve1', name: 'broken', problems: ['no boot disk'] },
  ];
  return {
    async preflight(request: CloneRequest): Promise<PreflightResult> {
      const fail = (reason: 'unknown-node' | 'name-taken' | 'template-missing-disk', summary: string) => ({
        ok: false as const,
        diagnosis: { reason, summary, advice: ['Fix it and ask again.'] },
      });
      if (request.node !== 'pve1') return fail('unknown-node', `Node '${request.node}' does not exist`);
      if (opts.taken?.includes(request.name))
        return fail('name-taken', `A VM named ${request.name} already exists`);
      const vmid = request.template.kind === 'vmid' ? request.template.vmid : 112;
      if (vmid === 9105)
        return fail(
          'template-missing-disk',
          'Template 9105 is missing boot disk - template may be corrupted',
        );
      return { ok: true, template: { vmid, node: 'pve1', bootDisk: 'scsi0' } };
    },
    async listTemplates(node) {
      return templates.filter((t) => t.node === node);
    },
    async resolveTemplate() {
      throw new Error('not used by the Slack listeners');
    },
    async cloneVmFromTemplate() {
      throw new Error('not used by the Slack listeners');
    },
  };
}

const inventory = {
  async listNodes(): Promise<NodeInfo[]> {
    return [
      { node: 'pve1', status: 'online' },
      { node: 'pve2', status: 'offline' },
    ];
  },
  async listStorages(): Promise<StorageInfo[]> {
    return [
      {
        storage: 'local-lvm',
        type: 'lvmthin',
        content: ['images', 'rootdir'],
        enabled: true,
        active: true,
        shared: false,
      },
      { storage: 'iso', type: 'dir', content: ['iso'], enabled: true, active: true, shared: false },
    ];
  },
};

const noProxmox: LeftoverVmProxmox = {
  findVmConfig: () => Promise.reject(new Error('no Proxmox in this harness')),
  getTaskStatus: () => Promise.reject(new Error('no Proxmox in this harness')),
  deleteVm: () => Promise.reject(new Error('no Proxmox in this harness')),
};

/** The real Bolt app over HTTP, a fresh Redis prefix for its store and queue, and the fake Slack. */
export interface SlackAppHarness {
  sim: SlackSim;
  app: App;
  store: RequestStore;
  config: SlackConfig;
  /** Job ids in the clone queue (= request ids), any state. */
  jobIds(): Promise<string[]>;
  close(): Promise<void>;
}

/** Starts the harness; `env` adds to the Slack section's variables (e.g. CLONE_ALLOW_SELF_APPROVAL). */
export async function startSlackAppHarness(
  opts: {
    env?: Record<string, string>;
    engine?: CloneEngine;
    clock?: Clock;
    /** Proxmox for the "Delete VM" button (default: one that fails every call). */
    vms?: LeftoverVmProxmox;
    /** Wraps the real queue (e.g. to make enqueue fail). */
    wrapQueue?: (queue: CloneQueue) => CloneQueue;
    /** `socket`: the app in Socket Mode, the sim delivering over its WebSocket (default `http`). */
    transport?: AppTransport;
  } = {},
): Promise<SlackAppHarness> {
  const clock = opts.clock ?? systemClock;
  const transport = opts.transport ?? 'http';
  const sim = await startSlackSim({ clock, transport });
  const redis: Redis = connect();
  const prefix = freshPrefix();
  const logger = createLogger('silent');
  const { slack: config, clone } = loadConfig(
    {
      SLACK_BOT_TOKEN: sim.botToken,
      SLACK_SIGNING_SECRET: sim.signingSecret,
      SLACK_API_URL: sim.apiUrl,
      PORT: '0',
      CLONE_APPROVERS: 'U0BOSS,S0APPROVERS',
      ...(transport === 'socket' ? { SLACK_APP_TOKEN: sim.appToken } : {}),
      ...opts.env,
    },
    ['slack', 'clone'],
  );
  const store = createRequestStore(redis, { prefix, clock, approvalTtlMs: config.approvalTtlMs });
  const realQueue = createCloneQueue(redis, { prefix });
  const queue = opts.wrapQueue ? opts.wrapQueue(realQueue) : realQueue;
  const app = createSlackApp({
    config,
    cloneConfig: clone,
    engine: opts.engine ?? standInEngine(),
    store,
    queue,
    inventory,
    vms: opts.vms ?? noProxmox,
    clock,
    logger,
    proxmoxUiUrl: 'https://pve1.example.com:8006',
    identity: { botId: sim.botId, botUserId: sim.botUserId },
    ...(config.appToken !== undefined
      ? {
          receiver: createSocketReceiver({
            appToken: config.appToken,
            apiUrl: config.apiUrl,
            logger: boltLogger(logger),
            // Also its pong deadline: 150 ms reconnected whenever a loaded machine stalled this process.
            timing: { clientPingTimeoutMs: 1000 },
          }),
          deliveryGuard: createDeliveryGuard({ redis, prefix }),
        }
      : {}),
  });
  if (config.appToken !== undefined) {
    await app.start();
  } else {
    const server = (await app.start(0)) as Server;
    sim.setAppUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`);
  }
  const inspect = new Queue(CLONE_QUEUE_NAME, { connection: redis, prefix: bullPrefix(prefix) });
  return {
    sim,
    app,
    store,
    config,
    async jobIds() {
      const jobs = await inspect.getJobs([
        'waiting',
        'active',
        'delayed',
        'completed',
        'failed',
        'prioritized',
      ]);
      return jobs.map((j) => j.id ?? '');
    },
    async close() {
      await app.stop();
      await inspect.close();
      await realQueue.close();
      await sim.close();
      await deleteKeys(redis, prefix);
      await redis.quit();
    },
  };
}
