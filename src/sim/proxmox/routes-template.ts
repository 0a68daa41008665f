import { permissionError, serverError } from './api-error.ts';
import { drivesToCopy, isDriveKey, parseDrive } from './drives.ts';
import type { Route, SimContext } from './route.ts';
import type { SimTask, SimVm } from './sim-state.ts';
import { createTask, endTask } from './sim-tasks.ts';
import { type ParamSchema, validateParams } from './validate-params.ts';

const VMID: ParamSchema = { type: 'integer', format: 'pve-vmid', minimum: 100, maximum: 999_999_999 };
const NODE: ParamSchema = { type: 'string', format: 'pve-node' };
// Tasks that hold the VM's config lock (`lock_config`) while they run: a second one waits for it.
const CONFIG_LOCK_TASKS = new Set(['qmigrate', 'qmstart', 'qmtemplate', 'qmdestroy', 'qmclone']);
const CONFIG_LOCK_TIMEOUT_MS = 10_000;

function loadConfig(ctx: SimContext, node: string, vmid: number): SimVm {
  const vm = ctx.state.vms.get(vmid);
  if (!vm || vm.node !== node)
    throw serverError(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
  return vm;
}

/** qemu-server Qemu.pm `template`'s `$load_and_check`: lock, snapshots, already a template, running. */
function templateCheck(vm: SimVm): string | undefined {
  if (vm.config.lock !== undefined) return `VM is locked (${vm.config.lock})`;
  if (Number(vm.config.template ?? 0) === 1) return "you can't convert a template to a template";
  if (vm.status === 'running') return "you can't convert a VM to template if VM is running";
  return undefined;
}

/** Waits (up to 10 s, as `lock_config`) until no other running task of this VM holds its config lock. */
async function lockConfig(ctx: SimContext, self: SimTask, vmid: number, signal: AbortSignal): Promise<void> {
  const deadline = ctx.clock.now() + CONFIG_LOCK_TIMEOUT_MS;
  const busy = () =>
    [...ctx.state.tasks.values()].some(
      (t) => t !== self && t.status === 'running' && t.id === String(vmid) && CONFIG_LOCK_TASKS.has(t.type),
    );
  while (busy()) {
    if (ctx.clock.now() >= deadline)
      throw new Error(`can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`);
    await ctx.clock.sleep(100, signal);
  }
}

/** `vm-9205-disk-0` → `base-9205-disk-0` (the last path part; a linked clone keeps its parent prefix). */
const baseName = (volname: string) =>
  volname.replace(/(^|\/)vm-(\d+)-disk-(\d+)(\.\w+)?$/, '$1base-$2-disk-$3$4');

/**
 * qemu-server `template` + QemuServer.pm `template_create`: under the config lock the checks run again,
 * `template: 1` is written, then every disk but CD-ROMs (cloud-init included) becomes a base volume
 * (`vdisk_create_base`: renamed `base-…`, read-only), the config written after each disk.
 */
async function runTemplateWorker(ctx: SimContext, task: SimTask, vm: SimVm): Promise<void> {
  const signal = AbortSignal.any([task.abort.signal, ctx.closing]);
  try {
    await ctx.clock.sleep(100, signal);
    await lockConfig(ctx, task, vm.vmid, signal);
    const current = ctx.state.vms.get(vm.vmid);
    if (current !== vm)
      throw new Error(`Configuration file 'nodes/${task.node}/qemu-server/${vm.vmid}.conf' does not exist`);
    const refused = templateCheck(vm);
    if (refused !== undefined) throw new Error(refused);
    vm.config = { ...vm.config, template: 1 };
    ctx.state.vmChanged(vm.vmid);
    for (const key of Object.keys(vm.config).sort()) {
      if (!isDriveKey(key)) continue;
      const d = parseDrive(key, String(vm.config[key]));
      if (d.cdrom || d.storage === undefined || d.volname === undefined) continue;
      const renamed = baseName(d.volname);
      if (renamed === d.volname) continue;
      await ctx.clock.sleep(200, signal);
      const vols = ctx.state.volumesOf(d.storage, vm.node);
      const size = vols.get(d.volname) ?? d.size;
      vols.delete(d.volname);
      vols.set(renamed, size);
      if (ctx.state.storages.get(d.storage)?.type.startsWith('lvm')) {
        const from = d.volname.split('/').pop();
        const to = renamed.split('/').pop();
        task.log.push(`  Renamed "${from}" to "${to}" in volume group "pve"`);
        task.log.push(`  Logical volume pve/${to} changed.`);
      }
      const value = String(vm.config[key]).replace(`${d.storage}:${d.volname}`, `${d.storage}:${renamed}`);
      vm.config = { ...vm.config, [key]: value };
      ctx.state.vmChanged(vm.vmid);
    }
    endTask(ctx.state, task, 'OK');
  } catch (err) {
    if (ctx.closing.aborted) return;
    endTask(ctx.state, task, task.abort.signal.aborted ? 'interrupted by signal' : (err as Error).message);
  }
}

/**
 * QemuServer.pm `vm_start` (in the `qmstart` worker): a template cannot be started, a locked VM neither
 * (no `skiplock`), a running one is `already running`; then the boot takes `bootMs` and the VM runs.
 */
async function runStartWorker(ctx: SimContext, task: SimTask, vm: SimVm, skiplock: boolean): Promise<void> {
  const signal = AbortSignal.any([task.abort.signal, ctx.closing]);
  try {
    await ctx.clock.sleep(300, signal);
    if (Number(vm.config.template ?? 0) === 1) throw new Error("you can't start a vm if it's a template");
    if (vm.config.lock !== undefined && !skiplock) throw new Error(`VM is locked (${vm.config.lock})`);
    if (vm.status === 'running') throw new Error(`VM ${vm.vmid} already running`);
    // PVE::QemuServer::Cloudinit generates the config drive on every start; then QEMU boots (ctx.bootMs).
    if (drivesToCopy(vm.config).some((d) => d.cloudinit)) task.log.push('generating cloud-init ISO');
    await ctx.clock.sleep(ctx.bootMs, signal);
    vm.status = 'running';
    // The guest agent answers agentStartMs after this (routes-agent.ts).
    vm.startedAt = ctx.clock.now();
    ctx.state.vmChanged(vm.vmid);
    endTask(ctx.state, task, 'OK');
  } catch (err) {
    if (ctx.closing.aborted) return;
    endTask(ctx.state, task, task.abort.signal.aborted ? 'interrupted by signal' : (err as Error).message);
  }
}

/** POST …/qemu/{vmid}/template (`qmtemplate`) and POST …/qemu/{vmid}/status/start (`qmstart`). */
export const templateRoutes: Route[] = [
  {
    method: 'POST',
    pattern: '/nodes/{node}/qemu/{vmid}/template',
    handle: (ctx, { path, params, principal }) => {
      const p = validateParams(
        { ...params, node: path.node ?? '', vmid: path.vmid ?? '' },
        { node: NODE, vmid: VMID, disk: { type: 'string', optional: true } },
      );
      const vmid = p.vmid as number;
      if (ctx.faults.denied.has(`/vms/${vmid}|VM.Allocate`))
        throw permissionError(`/vms/${vmid}`, 'VM.Allocate');
      const vm = loadConfig(ctx, p.node as string, vmid);
      const refused = templateCheck(vm);
      if (refused !== undefined) throw serverError(refused);
      const task = createTask(ctx.state, vm.node, 'qmtemplate', String(vmid), principal);
      runTemplateWorker(ctx, task, vm).catch((err: unknown) =>
        ctx.logger?.error({ err, upid: task.upid }, 'simulated template worker crashed'),
      );
      return { data: task.upid };
    },
  },
  {
    method: 'POST',
    pattern: '/nodes/{node}/qemu/{vmid}/status/start',
    handle: (ctx, { path, params, principal }) => {
      const p = validateParams(
        { ...params, node: path.node ?? '', vmid: path.vmid ?? '' },
        {
          node: NODE,
          vmid: VMID,
          skiplock: { type: 'boolean', optional: true },
          timeout: { type: 'integer', optional: true, minimum: 0 },
        },
      );
      const vmid = p.vmid as number;
      if (ctx.faults.denied.has(`/vms/${vmid}|VM.PowerMgmt`))
        throw permissionError(`/vms/${vmid}`, 'VM.PowerMgmt');
      const vm = loadConfig(ctx, p.node as string, vmid);
      const task = createTask(ctx.state, vm.node, 'qmstart', String(vmid), principal);
      runStartWorker(ctx, task, vm, p.skiplock === true).catch((err: unknown) =>
        ctx.logger?.error({ err, upid: task.upid }, 'simulated start worker crashed'),
      );
      return { data: task.upid };
    },
  },
];
