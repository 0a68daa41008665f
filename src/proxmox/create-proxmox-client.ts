import { type Proxmox, proxmoxApi } from 'proxmox-api';
import { fetch as undiciFetch } from 'undici';
import { type Clock, systemClock } from '../clock.ts';
import type { ProxmoxConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { CloneTracker } from './clone-tracker.ts';
import { ProxmoxApiError } from './errors.ts';
import {
  toClusterStatus,
  toClusterTasks,
  toClusterVms,
  toGuestInterfaces,
  toNodes,
  toStorages,
  toTaskLog,
  toTaskStatus,
  toVmConfig,
  withUnavailableReasons,
} from './map-responses.ts';
import { listNodeTasks } from './list-node-tasks.ts';
import { parseUpid } from './parse-upid.ts';
import type { FetchFn } from './send-request.ts';
import { startClone } from './start-clone.ts';
import { createTlsAgent } from './tls-agent.ts';
import { createTransport, type ProxmoxRequestEvent, type RetryPolicy } from './transport.ts';
import type { ProxmoxClient, ProxmoxVmClient } from './types.ts';

/** What the client receives from the composition root. */
export interface ProxmoxClientDeps {
  logger: Logger;
  clock?: Clock;
  /** undici's fetch by default; tests may wrap it. */
  fetch?: FetchFn;
  /** Called once per HTTP request (login included): count calls and errors for metrics. */
  onRequest?: (event: ProxmoxRequestEvent) => void;
  /** GET retries; default 4 tries pausing 1 s, 2 s, 4 s. */
  retry?: RetryPolicy;
  /** After an ambiguous clone POST: how often to look for its task, and the pause between looks (2 s). */
  cloneLookups?: number;
  cloneLookupPauseMs?: number;
}

/** A ProxmoxClient that owns a connection pool: close it at shutdown. */
export interface ProxmoxHttpClient extends ProxmoxClient, ProxmoxVmClient {
  /** USER@REALM!TOKENID or USER@REALM: who Proxmox attributes our tasks to. */
  readonly user: string;
  close(): Promise<void>;
}

// UPIDs contain ':', '@' and '!', all legal in a path segment; anything else is escaped.
const segment = (upid: string) =>
  encodeURIComponent(upid).replace(/%3A/gi, ':').replace(/%40/g, '@').replace(/%21/g, '!');

/** The UPID a task-starting call answered with (checked), or an error naming the call. */
function upidOf(answer: { data: unknown }, what: string): string {
  if (typeof answer.data !== 'string') throw new Error(`Proxmox ${what} returned no task id`);
  parseUpid(answer.data);
  return answer.data;
}

/** Builds the Proxmox adapter: proxmox-api's typed paths over our own transport (TLS, auth, retries, errors). */
export function createProxmoxClient(config: ProxmoxConfig, deps: ProxmoxClientDeps): ProxmoxHttpClient {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger;
  const dispatcher = createTlsAgent(config);
  const transport = createTransport({
    config,
    logger,
    clock,
    fetch: deps.fetch ?? undiciFetch,
    dispatcher,
    retry: deps.retry ?? { attempts: 4, baseDelayMs: 1000 },
    ...(deps.onRequest === undefined ? {} : { onRequest: deps.onRequest }),
  });
  const api: Proxmox.Api = proxmoxApi(transport);
  const tracker = new CloneTracker();
  const task = (upid: string) => api.nodes.$(parseUpid(upid).node).tasks.$(segment(upid));

  const client: ProxmoxHttpClient = {
    user: transport.user,
    async getVmConfig(node, vmid) {
      return toVmConfig(await api.nodes.$(node).qemu.$(vmid).config.$get());
    },
    async findVmConfig(node, vmid) {
      try {
        return await client.getVmConfig(node, vmid);
      } catch (error) {
        if (error instanceof ProxmoxApiError && error.isNotFound()) return undefined;
        throw error;
      }
    },
    async listClusterVms() {
      return toClusterVms(await api.cluster.resources.$get({ type: 'vm' }));
    },
    async listNodes() {
      return toNodes(await api.nodes.$get());
    },
    async getClusterStatus() {
      return toClusterStatus(await api.cluster.status.$get());
    },
    async listStorages(node) {
      const list = toStorages(await api.nodes.$(node).storage.$get());
      if (list.every((s) => s.enabled)) return list;
      // `enabled: 0` is a disabled storage or one limited to other nodes; storage.cfg says which (readable
      // with the Datastore.AllocateSpace the bot has). Without it the reason stays unknown.
      try {
        return withUnavailableReasons(list, await api.storage.$get(), node);
      } catch (error) {
        deps.logger.debug({ err: (error as Error).message }, 'could not read storage.cfg (GET /storage)');
        return list;
      }
    },
    async nextVmid() {
      // Typed as a number by proxmox-api, but a string on the wire.
      const raw: unknown = await api.cluster.nextid.$get();
      const id = Number(raw);
      if (!Number.isInteger(id) || id < 100)
        throw new Error(`Proxmox /cluster/nextid returned '${String(raw)}'`);
      return id;
    },
    async isVmidFree(vmid) {
      try {
        await api.cluster.nextid.$get({ vmid });
        return true;
      } catch (error) {
        // 400 {errors: {vmid: "VM 200 already exists"}}
        if (error instanceof ProxmoxApiError && error.status === 400 && /already exists/i.test(error.message))
          return false;
        throw error;
      }
    },
    startClone(params) {
      return startClone(
        {
          transport,
          clock,
          logger,
          tracker,
          readTaskLog: async (upid) => (await client.getTaskLog(upid, 0, 0)).lines.map((l) => l.t),
          ...(deps.cloneLookups === undefined ? {} : { lookups: deps.cloneLookups }),
          ...(deps.cloneLookupPauseMs === undefined ? {} : { lookupPauseMs: deps.cloneLookupPauseMs }),
        },
        params,
      );
    },
    async getTaskStatus(upid) {
      return toTaskStatus(await task(upid).status.$get(), upid);
    },
    async getTaskLog(upid, start = 0, limit) {
      // Through the transport, not proxmox-api, which drops the top-level `total`.
      const { node } = parseUpid(upid);
      const params: Record<string, unknown> = { start, limit };
      const { data, total } = await transport.request<unknown>(
        'GET',
        `/nodes/${node}/tasks/${segment(upid)}/log`,
        params,
        '/nodes/*/tasks/*/log',
      );
      return toTaskLog(data, total, start);
    },
    async stopTask(upid) {
      await task(upid).$delete();
    },
    async deleteVm(node, vmid) {
      // No parameters (see the interface). The transport sends a DELETE once: a lost answer is settled by
      // reading the VM again, never by sending the DELETE a second time.
      const upid: unknown = await api.nodes.$(node).qemu.$(vmid).$delete();
      if (typeof upid !== 'string') throw new Error(`Proxmox DELETE qemu/${vmid} returned no task id`);
      parseUpid(upid);
      return upid;
    },
    async listClusterTasks() {
      return toClusterTasks(await api.cluster.tasks.$get());
    },
    listNodeTasks: (node, filter) => listNodeTasks(transport, node, filter),
    async migrateVm(params) {
      const body: Record<string, string | number> = { target: params.target };
      if (params.targetstorage !== undefined) body.targetstorage = params.targetstorage;
      if (params.withLocalDisks === true) body['with-local-disks'] = 1;
      const upid: unknown = await api.nodes
        .$(params.node)
        .qemu.$(params.vmid)
        .migrate.$post(body as never);
      if (typeof upid !== 'string')
        throw new Error(`Proxmox POST qemu/${params.vmid}/migrate returned no task id`);
      parseUpid(upid);
      return upid;
    },
    async convertToTemplate(node, vmid) {
      const upid: unknown = await api.nodes.$(node).qemu.$(vmid).template.$post();
      if (typeof upid !== 'string') throw new Error(`Proxmox POST qemu/${vmid}/template returned no task id`);
      parseUpid(upid);
      return upid;
    },
    async updateVmConfig(node, vmid, changes, options = {}) {
      const params: Record<string, unknown> = { ...changes };
      if (options.digest !== undefined) params.digest = options.digest;
      if (options.delete !== undefined && options.delete.length > 0) params.delete = options.delete.join(',');
      await transport.request('PUT', `/nodes/${node}/qemu/${vmid}/config`, params, '/nodes/*/qemu/*/config');
    },
    async startVm(node, vmid) {
      return upidOf(
        await transport.request(
          'POST',
          `/nodes/${node}/qemu/${vmid}/status/start`,
          {},
          '/nodes/*/qemu/*/status/start',
        ),
        'status/start',
      );
    },
    async stopVm(node, vmid) {
      return upidOf(
        await transport.request(
          'POST',
          `/nodes/${node}/qemu/${vmid}/status/stop`,
          {},
          '/nodes/*/qemu/*/status/stop',
        ),
        'status/stop',
      );
    },
    async getGuestInterfaces(node, vmid) {
      const { data } = await transport.request<unknown>(
        'GET',
        `/nodes/${node}/qemu/${vmid}/agent/network-get-interfaces`,
        {},
        '/nodes/*/qemu/*/agent/network-get-interfaces',
      );
      return toGuestInterfaces(data);
    },
    async destroyVm(node, vmid) {
      return upidOf(
        await transport.request(
          'DELETE',
          `/nodes/${node}/qemu/${vmid}`,
          { purge: 1, 'destroy-unreferenced-disks': 1 },
          '/nodes/*/qemu/*',
        ),
        `DELETE qemu/${vmid}`,
      );
    },
    async close() {
      await dispatcher.close();
    },
  };
  return client;
}
