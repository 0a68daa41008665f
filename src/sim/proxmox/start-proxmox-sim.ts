import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../clock.ts';
import { demoCluster } from './demo-cluster.ts';
import { handleRequest } from './handle-request.ts';
import { RequestLog } from './request-log.ts';
import type { SimContext } from './route.ts';
import { agentRoutes } from './routes-agent.ts';
import { cloneRoutes } from './routes-clone.ts';
import { clusterRoutes } from './routes-cluster.ts';
import { configRoutes } from './routes-config.ts';
import { migrateRoutes } from './routes-migrate.ts';
import { powerRoutes } from './routes-power.ts';
import { qemuRoutes } from './routes-qemu.ts';
import { storageRoutes } from './routes-storage.ts';
import { taskRoutes } from './routes-tasks.ts';
import { templateRoutes } from './routes-template.ts';
import { SimAuth } from './sim-auth.ts';
import { simCerts } from './sim-certs.ts';
import { SimFaults } from './sim-faults.ts';
import { SimState } from './sim-state.ts';
import { simStorageViews, simTaskView, simVmView } from './sim-views.ts';
import { StorageLocks } from './storage-locks.ts';
import type {
  ProxmoxSimOptions,
  SimNodeSpec,
  SimStorageSpec,
  SimStorageView,
  SimTaskView,
  SimToken,
  SimUser,
  SimVmSpec,
  SimVmView,
} from './types.ts';

/** A running Proxmox VE simulator. */
export interface ProxmoxSim {
  /** `https://127.0.0.1:PORT` (no path; the API is under /api2/json). */
  url: string;
  port: number;
  /** PEM of the CA that signed the server certificate (what PROXMOX_CA_FILE points at). */
  caPem: string;
  /** The default API token: id `clonebot@pve!slack`. */
  token: SimToken;
  /** The default user for ticket auth: `clonebot@pve`. */
  user: SimUser;
  faults: SimFaults;
  requests: RequestLog;
  vm(vmid: number): SimVmView | undefined;
  vms(): SimVmView[];
  task(upid: string): SimTaskView | undefined;
  tasks(): SimTaskView[];
  storages(): SimStorageView[];
  addNode(node: SimNodeSpec): void;
  addStorage(storage: SimStorageSpec): void;
  addVm(vm: SimVmSpec): void;
  /** Calls `listener` synchronously after every change of VM `vmid` (undefined once removed); returns unsubscribe. */
  watchVm(vmid: number, listener: (vm: SimVmView | undefined) => void): () => void;
  /** Stops every task and the server. */
  close(): Promise<void>;
}

const MiB = 1024 * 1024;

/** Starts the simulator on HTTPS (port 0 by default) over the given (or demo) cluster. */
export async function startProxmoxSim(options: ProxmoxSimOptions = {}): Promise<ProxmoxSim> {
  const clock = options.clock ?? systemClock;
  const certs = await simCerts();
  const token = options.tokens?.[0] ?? { id: 'clonebot@pve!slack', secret: randomUUID() };
  const user = options.users?.[0] ?? {
    username: 'clonebot@pve',
    password: randomBytes(12).toString('base64url'),
  };
  const state = new SimState(options.cluster ?? demoCluster(), clock, options.resourceLagMs ?? 10_000);
  const auth = new SimAuth(
    clock,
    options.tokens ?? [token],
    options.users ?? [user],
    options.ticketLifetimeMs ?? 2 * 3600_000,
    options.ticketErrorWording ?? 'new',
  );
  const faults = new SimFaults(state, auth);
  const closing = new AbortController();
  const ctx: SimContext = {
    state,
    faults,
    clock,
    // The storage lock is exclusive (a flock, or a pmxcfs lock for shared storage); see copy-disk.ts.
    locks: new StorageLocks(clock, options.storageLockConcurrency ?? 1),
    copyBytesPerSecond: options.copyBytesPerSecond ?? 200 * MiB,
    storageLockTimeoutMs: options.storageLockTimeoutMs ?? 10_000,
    storageAllocMs: options.storageAllocMs ?? 100,
    bootMs: options.bootMs ?? 2000,
    agentStartMs: options.agentStartMs ?? 20_000,
    volumeFreeMs: options.volumeFreeMs ?? 100,
    pveVersion: options.pveVersion ?? '9',
    errorBodyMessage: options.errorBodyMessage ?? true,
    closing: closing.signal,
  };
  if (options.apiNode !== undefined) ctx.apiNode = options.apiNode;
  if (options.logger !== undefined) ctx.logger = options.logger;
  const requests = new RequestLog();
  const pipeline = {
    ctx,
    auth,
    requests,
    routes: [
      ...clusterRoutes,
      ...qemuRoutes,
      ...storageRoutes,
      ...configRoutes,
      ...powerRoutes,
      ...agentRoutes,
      ...taskRoutes,
      ...cloneRoutes,
      ...migrateRoutes,
      ...templateRoutes,
    ],
    authDelayMs: options.authDelayMs ?? 3000,
    offlineDelayMs: options.offlineDelayMs ?? 3000,
  };
  const server = createServer({ key: certs.keyPem, cert: certs.certPem }, (req, res) => {
    handleRequest(pipeline, req, res).catch((err: unknown) => {
      options.logger?.error({ err }, 'simulator pipeline failed');
      res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const vmView = (vmid: number) => simVmView(state, vmid);
  const taskView = (upid: string) => simTaskView(state, upid);
  return {
    url: `https://${urlHost}:${port}`,
    port,
    caPem: certs.caPem,
    token,
    user,
    faults,
    requests,
    vm: vmView,
    vms: () => [...state.vms.keys()].sort((a, b) => a - b).map((id) => vmView(id) as SimVmView),
    task: taskView,
    tasks: () => [...state.tasks.keys()].map((u) => taskView(u) as SimTaskView),
    storages: () => simStorageViews(state),
    addNode: (n) => state.addNode(n),
    addStorage: (s) => state.addStorage(s),
    addVm: (vm) => {
      state.addVm(vm, clock.now() - (options.resourceLagMs ?? 10_000));
    },
    watchVm: (vmid, listener) => {
      const onChange = (changed: number) => {
        if (changed === vmid) listener(vmView(vmid));
      };
      state.vmListeners.add(onChange);
      return () => state.vmListeners.delete(onChange);
    },
    close: async () => {
      closing.abort(new Error('simulator closed'));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
