import { paramError, serverError } from './api-error.ts';
import { drivesToCopy } from './drives.ts';
import type { Route, SimContext } from './route.ts';
import type { SimVm } from './sim-state.ts';
import { taskListJson } from './sim-tasks.ts';
import { clusterTaskList } from './task-visibility.ts';

const GiB = 1024 ** 3;

/** The size /cluster/resources reports as `maxdisk`: the first disk's. */
function maxdisk(vm: SimVm): number {
  return drivesToCopy(vm.config).find((d) => !d.cloudinit && !d.cdrom)?.size ?? 0;
}

function vmResource(ctx: SimContext, vm: SimVm): Record<string, unknown> {
  const r: Record<string, unknown> = { id: `qemu/${vm.vmid}`, vmid: vm.vmid, node: vm.node, type: 'qemu' };
  // `lock` comes straight from the config file; the rest from statistics refreshed about every 10 s.
  if (vm.config.lock !== undefined) r.lock = vm.config.lock;
  // Tags come from the config too (pve-manager PVE/API2/Cluster.pm resources: `tags` of the guest config).
  if (vm.config.tags !== undefined) r.tags = vm.config.tags;
  const online = ctx.state.nodes.get(vm.node)?.online ?? false;
  if (!ctx.state.statsKnown(vm) || !online) {
    r.status = 'unknown';
    return r;
  }
  const running = vm.status === 'running';
  Object.assign(r, {
    name: vm.config.name ?? `VM ${vm.vmid}`,
    status: vm.status,
    template: Number(vm.config.template ?? 0) === 1 ? 1 : 0,
    maxdisk: maxdisk(vm),
    disk: 0,
    maxmem: Number(String(vm.config.memory ?? '2048').replace(/\D.*$/, '')) * 1024 * 1024,
    mem: running ? 512 * 1024 * 1024 : 0,
    maxcpu: Number(vm.config.cores ?? 1) * Number(vm.config.sockets ?? 1),
    cpu: running ? 0.02 : 0,
    uptime: running ? 86_400 : 0,
    netin: 0,
    netout: 0,
    diskread: 0,
    diskwrite: 0,
  });
  for (const [pool, members] of ctx.state.pools) if (members.has(vm.vmid)) r.pool = pool;
  return r;
}

function nodeJson(ctx: SimContext, name: string): Record<string, unknown> {
  const n = ctx.state.nodes.get(name);
  const base = { node: name, id: `node/${name}`, type: 'node', level: '' };
  if (!n?.online) return { ...base, status: 'offline' };
  return {
    ...base,
    status: 'online',
    cpu: 0.05,
    maxcpu: 16,
    mem: 24 * GiB,
    maxmem: 64 * GiB,
    disk: 12 * GiB,
    maxdisk: 100 * GiB,
    uptime: 86_400,
    ssl_fingerprint:
      '5A:9B:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00',
  };
}

/** /version, /cluster/status, /cluster/resources, /cluster/nextid, /cluster/tasks, /nodes. */
export const clusterRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/version',
    // The first releases with the unified `Authentication failed!` (8.4.17, 9.1.5), or the ones before.
    handle: (ctx) => {
      const fresh = ctx.faults.authWording() === 'new';
      const data =
        ctx.pveVersion === '8.4'
          ? { version: fresh ? '8.4.17' : '8.4.16', release: '8.4', repoid: 'c8c39014' }
          : { version: fresh ? '9.1.5' : '9.1.4', release: '9.1', repoid: '80cf92a6' };
      return { data };
    },
  },
  {
    method: 'GET',
    pattern: '/cluster/status',
    handle: (ctx) => {
      const { state } = ctx;
      const apiNode = ctx.apiNode ?? [...state.nodes.keys()][0];
      const nodes = [...state.nodes.values()].map((n) => ({
        type: 'node',
        id: `node/${n.name}`,
        name: n.name,
        nodeid: state.standalone ? 0 : n.nodeid,
        ip: n.ip ?? '127.0.0.1',
        local: n.name === apiNode ? 1 : 0,
        online: n.online ? 1 : 0,
        level: '',
      }));
      if (state.standalone) return { data: nodes.slice(0, 1) };
      const online = nodes.filter((n) => n.online).length;
      const cluster = {
        type: 'cluster',
        id: 'cluster',
        name: state.clusterName,
        nodes: nodes.length,
        quorate: online * 2 > nodes.length ? 1 : 0,
        version: nodes.length + 2,
      };
      return { data: [cluster, ...nodes] };
    },
  },
  {
    method: 'GET',
    pattern: '/cluster/resources',
    handle: (ctx, { params }) => {
      const type = params.type;
      if (type !== undefined && !['vm', 'storage', 'node', 'sdn'].includes(type))
        throw paramError({
          type: `value '${type}' does not have a value in the enumeration 'vm, storage, node, sdn'`,
        });
      const out: Record<string, unknown>[] = [];
      if (type === undefined || type === 'node')
        for (const name of ctx.state.nodes.keys()) out.push(nodeJson(ctx, name));
      if (type === undefined || type === 'vm') {
        const vms = [...ctx.state.vms.values()].sort((a, b) => a.vmid - b.vmid);
        // VMs without VM.Audit are silently left out.
        for (const vm of vms)
          if (!ctx.faults.denied.has(`/vms/${vm.vmid}|VM.Audit`)) out.push(vmResource(ctx, vm));
      }
      if (type === undefined || type === 'storage')
        for (const node of ctx.state.nodes.keys())
          for (const s of ctx.state.storages.values()) {
            if (!ctx.state.storageOn(s.storage, node)) continue;
            const used = [...ctx.state.volumesOf(s.storage, node).values()].reduce((a, b) => a + b, 0);
            out.push({
              id: `storage/${node}/${s.storage}`,
              storage: s.storage,
              node,
              type: 'storage',
              plugintype: s.type,
              content: s.content.join(','),
              shared: s.shared ? 1 : 0,
              status: 'available',
              disk: used,
              maxdisk: s.total,
            });
          }
      return { data: out };
    },
  },
  {
    method: 'GET',
    pattern: '/cluster/nextid',
    handle: (ctx, { params }) => {
      if (params.vmid !== undefined) {
        const n = Number(params.vmid);
        if (!/^\d+$/.test(params.vmid))
          throw paramError({ vmid: `type check ('integer') failed - got '${params.vmid}'` });
        if (n < 100 || n > 999_999_999) throw paramError({ vmid: 'value must have a minimum value of 100' });
        if (ctx.state.vms.has(n)) throw paramError({ vmid: `VM ${n} already exists` });
        return { data: params.vmid };
      }
      const id = ctx.state.nextFreeVmid();
      const { lower, upper } = ctx.state.nextIdRange;
      if (id === undefined) throw serverError(`unable to get any free VMID in range [${lower}, ${upper}]`);
      // A string on the wire, although the schema says integer.
      return { data: String(id) };
    },
  },
  {
    method: 'GET',
    pattern: '/cluster/tasks',
    handle: (ctx, { principal }) => ({ data: clusterTaskList(ctx, principal).map(taskListJson) }),
  },
  {
    method: 'GET',
    pattern: '/nodes',
    handle: (ctx) => ({ data: [...ctx.state.nodes.keys()].map((n) => nodeJson(ctx, n)) }),
  },
];
