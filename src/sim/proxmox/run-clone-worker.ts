import { randomBytes, randomUUID } from 'node:crypto';
import type { ClonePlan } from './check-clone-request.ts';
import { allocateLocked, type CloneWorkerContext, copyWithProgress } from './copy-disk.ts';
import { drivesToCopy, formatDrive, isDriveKey, isUnusedKey, type SimDrive } from './drives.ts';
import { progressLine } from './format-bytes.ts';
import type { CloneFault } from './sim-faults.ts';
import type { SimTask } from './sim-state.ts';
import { endTask } from './sim-tasks.ts';
import type { SimVmConfig } from './types.ts';

/** Pauses between the steps of a clone (simulated ms), so pollers can see each state. */
const STEP_MS = { fork: 200, smallCopy: 300, linked: 500, finish: 500 };

const randomMac = () =>
  ['BC', '24', '11', ...[...randomBytes(3)].map((b) => b.toString(16).toUpperCase().padStart(2, '0'))].join(
    ':',
  );

/** The new VM's config without disks: template/unusedN/pending/snapshot state dropped, MACs and ids regenerated. */
function baseConfig(plan: ClonePlan): SimVmConfig {
  const conf: SimVmConfig = {};
  for (const [key, value] of Object.entries(plan.source)) {
    if (['template', 'lock', 'parent', 'digest', 'snapstate'].includes(key) || isUnusedKey(key)) continue;
    if (isDriveKey(key) && !/media=cdrom/.test(String(value))) continue;
    if (isDriveKey(key) && /cloudinit/.test(String(value))) continue;
    let v = value;
    if (/^net\d+$/.test(key))
      v = String(value).replace(/^(\w+)=([0-9A-Fa-f:]{17})/, (_m, model) => `${model}=${randomMac()}`);
    if (key === 'smbios1') v = String(value).replace(/uuid=[0-9a-f-]+/i, `uuid=${randomUUID()}`);
    if (key === 'vmgenid') v = randomUUID();
    conf[key] = v;
  }
  conf.name = plan.name;
  if (plan.description !== undefined) conf.description = plan.description;
  return conf;
}

/** Full copies of real disks print progress; EFI, TPM state and cloud-init do not, linked clones copy nothing. */
function copiesWithProgress(plan: ClonePlan, d: SimDrive): boolean {
  return plan.full && !d.cloudinit && d.key !== 'efidisk0' && d.key !== 'tpmstate0';
}

/** The new volume's name for one drive: `vm-200-disk-0`, `base-112-disk-0/vm-200-disk-0`, `vm-200-cloudinit`. */
function newVolname(
  ctx: CloneWorkerContext,
  plan: ClonePlan,
  d: SimDrive,
  storage: string,
  full: boolean,
): string {
  const type = ctx.state.storages.get(storage)?.type ?? '';
  const fileBased = ['dir', 'nfs', 'cifs', 'glusterfs', 'btrfs'].includes(type);
  const ext = fileBased ? `.${plan.format ?? 'qcow2'}` : '';
  const dir = fileBased ? `${plan.newid}/` : '';
  if (d.cloudinit) return `${dir}vm-${plan.newid}-cloudinit${ext}`;
  const disk = ctx.state.nextDiskName(storage, plan.node, plan.newid);
  if (!full) return `${d.volname}/${disk}${ext}`;
  return `${dir}${disk}${ext}`;
}

/**
 * Runs a qmclone worker the way qemu-server does: stub config `lock: clone` → each disk in lexical key
 * order (log line, new volume created under the storage lock, copy with progress lines, config grows) → full config with the
 * lock → lock removed → move to target / add to pool → `TASK OK`. On failure frees the new volumes,
 * removes the config and ends `TASK ERROR: clone failed: …`; a killed task leaves its stub behind.
 */
export async function runCloneWorker(
  ctx: CloneWorkerContext,
  task: SimTask,
  plan: ClonePlan,
  faults: CloneFault[],
): Promise<void> {
  const { state, clock } = ctx;
  const signal = AbortSignal.any([task.abort.signal, ctx.closing]);
  const log = (line: string) => task.log.push(line);
  const fault = <K extends CloneFault['kind']>(kind: K) =>
    faults.find((f): f is Extract<CloneFault, { kind: K }> => f.kind === kind);
  const newVolumes: [string, string][] = [];
  let createdConfig = false;
  try {
    await clock.sleep(STEP_MS.fork, signal);
    // qemu-server 9.1.6 (commit 980dffe2 `api: qmclone: print a message with new VMID`; not in 8.4): the first
    // line names the new VMID, for full and linked clones alike.
    if (ctx.pveVersion === '9') log(`creating a clone of VM ${plan.vmid} with ID ${plan.newid}`);
    if (state.vms.has(plan.newid)) {
      // pmxcfs refuses to rename the new config into place when the VMID exists on any node.
      endTask(
        state,
        task,
        `close (rename) atomic file '/etc/pve/nodes/${plan.node}/qemu-server/${plan.newid}.conf' failed: File exists`,
      );
      return;
    }
    const newconf: SimVmConfig = { ...baseConfig(plan), lock: 'clone' };
    const vm = state.addVm({ vmid: plan.newid, node: plan.node, config: { lock: 'clone' } });
    // The guest image is the template's: without an agent in it, the clone's agent never answers either.
    if (state.vms.get(plan.vmid)?.silentAgent === true) vm.silentAgent = true;
    createdConfig = true;

    const drives = drivesToCopy(plan.source);
    for (const d of drives) {
      const full = plan.full || d.cloudinit || d.key === 'tpmstate0';
      // qemu-server `PVE::QemuServer::clone_disk`: every full copy, cloud-init included, goes to
      // `$storage || $src_storeid`; a linked clone (no `storage` allowed) stays on the source's storage.
      const storage = full && plan.storage !== undefined ? plan.storage : (d.storage as string);
      log(`create ${full ? 'full' : 'linked'} clone of drive ${d.key} (${d.volid})`);
      const withProgress = copiesWithProgress(plan, d);
      {
        const volname = newVolname(ctx, plan, d, storage, full);
        // Every new volume (full or linked) is created under the storage lock; the copy runs outside it.
        await allocateLocked(
          ctx,
          plan,
          storage,
          withProgress ? fault('lock-timeout') : undefined,
          signal,
          () => {
            state.allocVolume(storage, plan.node, volname, d.size);
            newVolumes.push([storage, volname]);
          },
        );
        if (state.storages.get(storage)?.type.startsWith('lvm'))
          log(`  Logical volume "${volname.split('/').pop()}" created.`);
        // qemu-server `clone_disk` on PVE 9 (commit 473b6774, not in stable-bookworm / 8.4) names the new volume;
        // on 8.4 a ZFS or RBD clone's log never names the new VMID.
        if (full && ctx.pveVersion === '9') log(`allocated target volume '${storage}:${volname}'`);
        if (fault('hang') && (withProgress || !drives.some((x) => copiesWithProgress(plan, x)))) {
          if (withProgress) log(progressLine(0, d.size));
          await new Promise((_resolve, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
          );
        }
        if (withProgress) await copyWithProgress(ctx, d.size, log, fault('fail'), signal);
        else await clock.sleep(full ? STEP_MS.smallCopy : STEP_MS.linked, signal);
        newconf[d.key] = formatDrive(d, `${storage}:${volname}`);
        vm.config = { ...newconf };
        state.vmChanged(vm.vmid);
      }
    }
    // With no disk copied with progress (a linked clone), an injected failure hits after the disks.
    const failing = fault('fail');
    if (
      failing &&
      !drives.some((d) => plan.full && !d.cloudinit && !['efidisk0', 'tpmstate0'].includes(d.key))
    )
      throw new Error(failing.message);
    // The full config, still locked (also for a source without disks).
    vm.config = { ...newconf };
    state.vmChanged(vm.vmid);
    await clock.sleep(STEP_MS.finish, signal);
    delete newconf.lock;
    vm.config = { ...newconf };
    state.vmChanged(vm.vmid);
    await clock.sleep(STEP_MS.finish, signal);
    if (plan.target !== undefined) {
      vm.node = plan.target;
      state.vmChanged(vm.vmid);
    }
    if (plan.pool !== undefined) state.pools.get(plan.pool)?.add(plan.newid);
    const warnings = fault('warnings');
    if (warnings) {
      for (let i = 1; i <= warnings.count; i++) log(`WARN: simulated warning ${i} of ${warnings.count}`);
      endTask(state, task, `WARNINGS: ${warnings.count}`);
    } else endTask(state, task, 'OK');
  } catch (err) {
    if (ctx.closing.aborted) return;
    if (task.kill.signal.aborted) {
      // A crashed or SIGKILLed worker cleans nothing up: its `lock: clone` stub and volumes stay.
      endTask(state, task, 'unexpected status', false);
      return;
    }
    if (!createdConfig && task.abort.signal.aborted) {
      // Stopped before clone_vm's eval (its own `interrupted by signal` handler) was entered: pve-common
      // `PVE::RESTEnvironment::fork_worker` set `$SIG{TERM} = sub { die "received interrupt\n" }`; nothing to undo.
      endTask(state, task, 'received interrupt');
      return;
    }
    const reason = task.abort.signal.aborted ? 'interrupted by signal' : (err as Error).message;
    await cleanUp(ctx, task, plan, newVolumes, createdConfig, reason);
  }
}

/**
 * qemu-server `PVE::API2::Qemu` clone_vm's error path: cancel block jobs, `sleep 1`, `vdisk_free` each new
 * volume, unlink the config last, `die "clone failed: …"`. A SIGKILL (a stop whose cleanup outlasts 5 s) cuts
 * it off where it is: the config, still `lock: clone` with the disks written so far, and the volumes not yet
 * freed stay behind, and the task ends `unexpected status`.
 */
async function cleanUp(
  ctx: CloneWorkerContext,
  task: SimTask,
  plan: ClonePlan,
  newVolumes: [string, string][],
  createdConfig: boolean,
  reason: string,
): Promise<void> {
  const { state, clock } = ctx;
  const killed = AbortSignal.any([task.kill.signal, ctx.closing]);
  try {
    await clock.sleep(1000, killed);
    while (newVolumes.length > 0) {
      await clock.sleep(ctx.volumeFreeMs, killed);
      const [storage, volname] = newVolumes.shift() as [string, string];
      state.freeVolume(storage, plan.node, volname);
    }
  } catch {
    if (!ctx.closing.aborted) endTask(state, task, 'unexpected status', false);
    return;
  }
  if (createdConfig) state.removeVm(plan.newid);
  endTask(state, task, `clone failed: ${reason}`);
}
