import type { Clock } from '../clock.ts';
import { listDiskEntries } from '../core/disk-entries.ts';
import { ipconfigValue } from '../core/ip-setting.ts';
import { encodeSshKeys } from '../core/ssh-public-key.ts';
import type { VmReadiness, VmSetup } from '../core/types.ts';
import { type VmOwnership, vmDescription, vmTags } from '../core/vm-record.ts';
import { ProxmoxApiError } from '../proxmox/errors.ts';
import type { ProxmoxClient, ProxmoxVmClient } from '../proxmox/types.ts';
import { followTask } from './follow-task.ts';
import { reachableAddresses } from './guest-addresses.ts';
import { guestAgentEnabled } from '../core/guest-agent-option.ts';

/** What prepareVm needs from Proxmox. */
export type PrepareVmProxmox = Pick<ProxmoxClient, 'getVmConfig' | 'getTaskStatus'> &
  Pick<ProxmoxVmClient, 'updateVmConfig' | 'startVm' | 'getGuestInterfaces'>;

/** Bounds on the waits after the clone (simulated or real ms of `clock`). */
export interface PrepareVmTimings {
  /** The qmstart task (default 2 min). */
  startTimeoutMs?: number;
  /** The guest agent after the start task ended (default 3 min: a cloud image's first boot takes a while). */
  agentWaitMs?: number;
  /** Between agent polls (default 5 s). */
  agentPollMs?: number;
  taskPollMs?: number;
}

const AGENT_NOT_RUNNING = /QEMU guest agent is not running/i;
const AGENT_NOT_CONFIGURED = /No QEMU guest agent configured/i;

const message = (err: unknown) =>
  err instanceof ProxmoxApiError ? err.proxmoxMessage.trim() || err.message : (err as Error).message;

/**
 * After a clone succeeded: writes the owner record (tags `clonebot` + owner, description) and the cloud-init
 * options in one config PUT, then, when asked, starts the VM, follows the `qmstart` task, and waits (bounded)
 * for the guest agent to report addresses. Never throws for a Proxmox refusal: each step says what happened,
 * and a step that failed stops the ones that depend on it. Safe to run again (a resumed job): the PUT writes
 * the same values, and `already running` counts as started.
 */
export async function prepareVm(
  deps: { proxmox: PrepareVmProxmox; clock: Clock; timings?: PrepareVmTimings; signal?: AbortSignal },
  target: { node: string; vmid: number; ownership: VmOwnership; setup?: VmSetup },
): Promise<VmReadiness> {
  const { proxmox, clock } = deps;
  const t = deps.timings ?? {};
  const { node, vmid, ownership, setup = {} } = target;
  const out: VmReadiness = { owned: false };
  if (ownership.expiresAt !== undefined) out.expiresAt = ownership.expiresAt;
  const config = await proxmox.getVmConfig(node, vmid);
  const hasCloudInit = listDiskEntries(config).some((d) => d.isCloudInit && !d.unused);
  const wantsCloudInit =
    setup.ciUser !== undefined || (setup.sshKeys?.length ?? 0) > 0 || setup.ip !== undefined;
  const owner: Record<string, string> = { tags: vmTags(ownership), description: vmDescription(ownership) };
  const cloudInit: Record<string, string> = {};
  if (setup.ciUser !== undefined) cloudInit.ciuser = setup.ciUser;
  if ((setup.sshKeys?.length ?? 0) > 0) cloudInit.sshkeys = encodeSshKeys(setup.sshKeys ?? []);
  if (setup.ip !== undefined) cloudInit.ipconfig0 = ipconfigValue(setup.ip);
  if (wantsCloudInit && !hasCloudInit) out.cloudInit = 'no-drive';
  const send = wantsCloudInit && hasCloudInit ? { ...owner, ...cloudInit } : owner;
  try {
    await proxmox.updateVmConfig(node, vmid, send);
    out.owned = true;
    if (wantsCloudInit && hasCloudInit) out.cloudInit = 'applied';
  } catch (err) {
    // One refusal (a bad key Proxmox's ssh-keygen rejects) must not cost the owner record: try that alone.
    if (wantsCloudInit && hasCloudInit) {
      out.cloudInit = 'failed';
      out.cloudInitError = message(err);
      try {
        await proxmox.updateVmConfig(node, vmid, owner);
        out.owned = true;
      } catch (again) {
        out.ownError = message(again);
      }
    } else out.ownError = message(err);
  }
  if (!setup.start) return out;
  try {
    const upid = await proxmox.startVm(node, vmid);
    const end = await followTask(proxmox, clock, upid, {
      timeoutMs: t.startTimeoutMs ?? 120_000,
      pollMs: t.taskPollMs ?? 1000,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    if (!end.ended) {
      out.start = 'timeout';
      out.startError = 'the start task had not ended when the bot stopped waiting';
      return out;
    }
    if (!end.ok && !/already running/.test(end.exitstatus)) {
      out.start = 'failed';
      out.startError = end.exitstatus;
      return out;
    }
    out.start = 'started';
  } catch (err) {
    out.start = 'failed';
    out.startError = message(err);
    return out;
  }
  if (!guestAgentEnabled(config.agent)) {
    // Proxmox would refuse every agent call at once; no point waiting for an agent that is switched off.
    out.agent = 'not-configured';
    if (config.agent !== undefined) out.agentOff = true;
    return out;
  }
  const begun = clock.now();
  const deadline = begun + (t.agentWaitMs ?? 180_000);
  for (;;) {
    try {
      const { ipv4, ipv6 } = reachableAddresses(await proxmox.getGuestInterfaces(node, vmid));
      // The agent may answer before DHCP gave the guest an address: wait for one while time is left.
      if (ipv4.length > 0 || ipv6.length > 0 || clock.now() >= deadline) {
        out.agent = 'answered';
        out.ipv4 = ipv4;
        out.ipv6 = ipv6;
        break;
      }
    } catch (err) {
      const text = message(err);
      if (AGENT_NOT_CONFIGURED.test(text)) {
        out.agent = 'not-configured';
        break;
      }
      if (!AGENT_NOT_RUNNING.test(text)) {
        out.agent = 'error';
        out.agentError = text;
        break;
      }
      if (clock.now() >= deadline) {
        out.agent = 'no-answer';
        break;
      }
    }
    await clock.sleep(t.agentPollMs ?? 5000, deps.signal);
  }
  out.agentWaitedMs = clock.now() - begun;
  return out;
}
