import type { MigratePlan } from './check-migrate-request.ts';
import { mapStorage } from './check-migrate-request.ts';
import type { CloneWorkerContext } from './copy-disk.ts';
import { formatDrive, isDriveKey, isUnusedKey, parseDrive, type SimDrive } from './drives.ts';
import { formatBytes } from './format-bytes.ts';
import type { MigrateFault } from './sim-faults.ts';
import type { SimTask } from './sim-state.ts';
import { endTask } from './sim-tasks.ts';

// QemuMigrate.pm scan_local_volumes: only these storage types can be copied to another node.
const MIGRATABLE = /^(?:dir|btrfs|zfspool|lvmthin|lvm)$/;

const two = (n: number) => String(n).padStart(2, '0');

/** pve-guest-common AbstractMigrate `$msg2text`: `%F %H:%M:%S` prefix, ` ERROR:` for errors (UTC here). */
function stamp(at: number, level: 'info' | 'err', msg: string): string {
  const d = new Date(at);
  const ts = `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${ts}${level === 'err' ? ' ERROR:' : ''} ${msg}`;
}

/** AbstractMigrate's `duration` format, `00:01:05`. */
function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}

interface LocalVolume {
  key: string;
  drive: SimDrive;
  targetsid: string;
  generated: boolean;
}

/**
 * Runs an offline `qmigrate` worker as qemu-server's QemuMigrate.pm does (inside AbstractMigrate::migrate):
 * prepare (lock check, ssh to the target) → phase1: `lock: migrate` written, local volumes scanned (linked
 * clones and unsupported storage types refused), each copied to its target storage (`storage_migrate`) →
 * phase3_cleanup: volume ids rewritten, config moved to the target node, source volumes freed, lock cleared.
 * A failure in phase1 runs phase1_cleanup (lock removed, copies on the target freed) and ends
 * `TASK ERROR: migration aborted`; a killed worker leaves `lock: migrate` and whatever it had copied.
 */
export async function runMigrateWorker(
  ctx: CloneWorkerContext,
  task: SimTask,
  plan: MigratePlan,
  fault: MigrateFault | undefined,
): Promise<void> {
  const { state, clock } = ctx;
  const signal = AbortSignal.any([task.abort.signal, ctx.closing]);
  const startedAt = clock.now();
  const log = (msg: string, level: 'info' | 'err' = 'info') => {
    for (const line of msg.split('\n')) if (line !== '') task.log.push(stamp(clock.now(), level, line));
  };
  const vm = state.vms.get(plan.vmid);
  const targetNode = state.nodes.get(plan.target);
  const copied: [string, string][] = [];
  let phase1 = false;
  const abort = (err: string) => {
    log(`migration aborted (duration ${duration(clock.now() - startedAt)}): ${err}`, 'err');
    endTask(state, task, 'migration aborted');
  };
  try {
    await clock.sleep(200, signal);
    if (!vm || vm.node !== plan.node) {
      abort(`Configuration file 'nodes/${plan.node}/qemu-server/${plan.vmid}.conf' does not exist`);
      return;
    }
    // prepare: the config lock is checked again inside the worker.
    if (vm.config.lock !== undefined) {
      abort(`VM is locked (${vm.config.lock})`);
      return;
    }
    if (!targetNode?.online) {
      abort("Can't connect to destination address using public key");
      return;
    }
    log(`starting migration of VM ${plan.vmid} to node '${plan.target}' (${targetNode.ip ?? '127.0.0.1'})`);
    vm.config = { ...vm.config, lock: 'migrate' };
    state.vmChanged(vm.vmid);
    phase1 = true;

    const local: LocalVolume[] = [];
    const problems: string[] = [];
    for (const key of Object.keys(vm.config).sort()) {
      if (!isDriveKey(key) && !isUnusedKey(key)) continue;
      const d = parseDrive(key, String(vm.config[key]));
      if (d.storage === undefined) continue;
      if (d.cdrom && !d.cloudinit) {
        if (!state.storages.get(d.storage)?.shared)
          problems.push(`can't migrate local disk '${d.volid}': local cdrom image`);
        continue;
      }
      const scfg = state.storages.get(d.storage);
      if (scfg?.shared) continue;
      const targetsid = mapStorage(plan.storagemap, d.storage);
      if (!state.storageOn(targetsid, plan.target)) {
        throw new Error(
          `Problem found while scanning volumes - storage '${targetsid}' is not available on node '${plan.target}'`,
        );
      }
      local.push({ key, drive: d, targetsid, generated: d.cloudinit || key === 'tpmstate0' });
    }
    for (const v of local) {
      if (v.generated) log(`found generated disk '${v.drive.volid}' (in current VM config)`);
      else log(`found local disk '${v.drive.volid}' (${isUnusedKey(v.key) ? 'unused' : 'attached'})`);
    }
    for (const p of problems) log(p);
    if (problems.length > 0)
      throw new Error("Problem found while scanning volumes - can't migrate VM - check log");
    for (const v of local) {
      const type = state.storages.get(v.drive.storage as string)?.type ?? '';
      if (!MIGRATABLE.test(type))
        throw new Error(
          `Problem found while scanning volumes - can't migrate '${v.drive.volid}' - storage type '${type}' not supported`,
        );
      const base = /^(base-\d+-disk-\d+)\//.exec(v.drive.volname ?? '')?.[1];
      if (base !== undefined)
        throw new Error(
          `Problem found while scanning volumes - can't migrate '${v.drive.volid}' as it's a clone of '${base}'`,
        );
    }

    if (local.length > 0) log('copying local disk images');
    const newVolids = new Map<string, string>();
    for (const v of local) {
      const volname = v.drive.volname as string;
      const size = v.drive.size;
      const tstorage = state.storages.get(v.targetsid);
      const used = [...state.volumesOf(v.targetsid, plan.target).values()].reduce((a, b) => a + b, 0);
      const newVolid = `${v.targetsid}:${volname}`;
      const command =
        `set -o pipefail && pvesm export ${v.drive.volid} raw+size - -with-snapshots 0 | /usr/bin/ssh -e none -o 'BatchMode=yes' ` +
        `-o 'HostKeyAlias=${plan.target}' root@${targetNode.ip ?? '127.0.0.1'} -- pvesm import ${newVolid} raw+size - -with-snapshots 0 -allow-rename 1`;
      if (tstorage && used + size > tstorage.total) {
        // pve-storage LVMPlugin alloc_image on the target: `lvcreate … error: …`; other types fail on write.
        if (tstorage.type.startsWith('lvm'))
          log(
            `lvcreate 'pve/${volname}' error:   Volume group "pve" has insufficient free space (${Math.max(0, Math.floor((tstorage.total - used) / 4194304))} extents): ${Math.ceil(size / 4194304)} required.`,
          );
        else log(`error writing '${volname}': No space left on device`);
        throw new Error(
          `storage migration for '${v.drive.volid}' to storage '${v.targetsid}' failed - command '${command}' failed: exit code 5`,
        );
      }
      state.allocVolume(v.targetsid, plan.target, volname, size);
      copied.push([v.targetsid, volname]);
      if (tstorage?.type.startsWith('lvm')) log(`  Logical volume "${volname}" created.`);
      const durationMs = (size / ctx.copyBytesPerSecond) * 1000;
      const steps = 10;
      for (let i = 1; i <= steps; i++) {
        await clock.sleep(Math.max(durationMs / steps, 1), signal);
        if (
          fault &&
          (fault.volume === undefined || fault.volume === v.drive.volid) &&
          i * 10 > fault.atPercent
        ) {
          log(fault.message);
          throw new Error(
            `storage migration for '${v.drive.volid}' to storage '${v.targetsid}' failed - command '${command}' failed: exit code 255`,
          );
        }
        log(
          `${Math.floor((size * i) / steps)} bytes (${formatBytes(Math.floor((size * i) / steps))}) copied, ${Math.round((durationMs * i) / steps / 1000)} s`,
        );
      }
      newVolids.set(v.drive.volid, newVolid);
      log(`volume '${v.drive.volid}' is '${newVolid}' on the target`);
    }

    // phase3_cleanup: new volume ids in the config, config moved, source copies freed, lock cleared.
    const conf = { ...vm.config };
    for (const v of local) {
      const nv = newVolids.get(v.drive.volid);
      if (nv !== undefined) conf[v.key] = formatDrive(v.drive, nv);
    }
    vm.config = conf;
    vm.node = plan.target;
    state.vmChanged(vm.vmid);
    for (const v of local) {
      state.freeVolume(v.drive.storage as string, plan.node, v.drive.volname as string);
      if (state.storages.get(v.drive.storage as string)?.type.startsWith('lvm'))
        log(`  Logical volume "${v.drive.volname}" successfully removed.`);
    }
    await clock.sleep(200, signal);
    const { lock: _lock, ...unlocked } = vm.config;
    vm.config = unlocked;
    state.vmChanged(vm.vmid);
    log(`migration finished successfully (duration ${duration(clock.now() - startedAt)})`);
    endTask(state, task, 'OK');
  } catch (err) {
    if (ctx.closing.aborted) return;
    if (task.abort.signal.reason === 'kill') {
      // A crashed worker cleans nothing up: `lock: migrate` and the copies on the target stay.
      endTask(state, task, 'unexpected status', false);
      return;
    }
    const message = task.abort.signal.aborted ? 'interrupted by signal' : (err as Error).message;
    if (phase1 && vm) {
      log(message, 'err');
      log('aborting phase 1 - cleanup resources');
      const { lock: _lock, ...unlocked } = vm.config;
      vm.config = unlocked;
      state.vmChanged(vm.vmid);
      for (const [sid, volname] of copied) state.freeVolume(sid, plan.target, volname);
    }
    abort(message);
  }
}
