import { createHash } from 'node:crypto';
import { destroyVm } from './destroy-vm.ts';
import { drivesToCopy } from './drives.ts';
import { localVm } from './local-vm.ts';
import type { Route } from './route.ts';
import { nodeStorageList } from './routes-storage.ts';

/** The config's SHA-1 as GET …/config reports it (`digest`), for PUT …/config `digest=`. */
export function configDigest(config: Record<string, unknown>): string {
  const text = Object.entries(config)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  return createHash('sha1').update(text).digest('hex');
}

/** /nodes/{node}/storage, /nodes/{node}/qemu, …/config, …/status/current, DELETE …/qemu/{vmid}. */
export const qemuRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/nodes/{node}/storage',
    handle: (ctx, { path, params }) => nodeStorageList(ctx, path.node as string, params),
  },
  {
    method: 'GET',
    pattern: '/nodes/{node}/qemu',
    handle: (ctx, { path }) => ({
      data: [...ctx.state.vms.values()]
        .filter((vm) => vm.node === path.node)
        .map((vm) => {
          const r: Record<string, unknown> = { vmid: vm.vmid, status: vm.status, name: vm.config.name ?? '' };
          if (vm.config.template !== undefined) r.template = 1;
          if (vm.config.lock !== undefined) r.lock = vm.config.lock;
          r.maxdisk = drivesToCopy(vm.config).find((d) => !d.cloudinit)?.size ?? 0;
          return r;
        }),
    }),
  },
  {
    method: 'GET',
    pattern: '/nodes/{node}/qemu/{vmid}/config',
    handle: (ctx, { path }) => {
      const vm = localVm(ctx, path.node as string, path.vmid as string);
      return { data: { ...vm.config, digest: configDigest(vm.config) } };
    },
  },
  {
    method: 'GET',
    pattern: '/nodes/{node}/qemu/{vmid}/status/current',
    handle: (ctx, { path }) => {
      const vm = localVm(ctx, path.node as string, path.vmid as string);
      const r: Record<string, unknown> = {
        vmid: vm.vmid,
        name: vm.config.name ?? `VM ${vm.vmid}`,
        status: vm.status,
        qmpstatus: vm.status,
        cpus: Number(vm.config.cores ?? 1),
        maxmem: Number(String(vm.config.memory ?? '2048').replace(/\D.*$/, '')) * 1024 * 1024,
        uptime: vm.status === 'running' ? 86_400 : 0,
        ha: { managed: 0 },
      };
      if (vm.config.lock !== undefined) r.lock = vm.config.lock;
      if (vm.config.template !== undefined) r.template = 1;
      return { data: r };
    },
  },
  {
    method: 'DELETE',
    pattern: '/nodes/{node}/qemu/{vmid}',
    handle: (ctx, { path, params, principal }) => destroyVm(ctx, path, params, principal),
  },
];
