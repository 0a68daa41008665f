import { formatInstant } from './lease.ts';
import type { VmReadiness } from './types.ts';

/**
 * Whether the VM is as asked after a clone that worked: not when the start asked for failed or did not end,
 * Proxmox refused the cloud-init options, or the owner record was not written (the VM then has no lease).
 * What the template cannot do (no cloud-init drive, no guest agent) is said plainly, not counted here.
 */
export function readyAsAsked(r: VmReadiness | undefined): boolean {
  if (r === undefined) return true;
  return r.owned && r.cloudInit !== 'failed' && (r.start === undefined || r.start === 'started');
}

/**
 * What became of the VM after the clone, one plain line each (shared by the Slack reply and the CLI): its
 * addresses, or plainly why there are none (no agent, no cloud-init drive, start failed).
 */
export function describeReadiness(vmid: number, r: VmReadiness | undefined): string[] {
  if (r === undefined) return [];
  const lines: string[] = [];
  if (r.start === 'started') {
    if (r.agent === 'answered') {
      const ips = [...(r.ipv4 ?? []), ...(r.ipv6 ?? [])];
      lines.push(
        ips.length > 0
          ? `Running. IPv4: ${r.ipv4?.join(', ') || 'none'}; IPv6: ${r.ipv6?.join(', ') || 'none'}`
          : 'Running; the guest agent answered but reports no address yet (DHCP?): look again with /clone list',
      );
    } else if (r.agent === 'not-configured' && r.agentOff)
      lines.push(
        "Running, but the template's guest agent option is off (agent: 0), so the bot cannot see its address: look in your DHCP server or the console, and turn it on in the template (qm set <template> --agent enabled=1, with qemu-guest-agent in the image)",
      );
    else if (r.agent === 'not-configured')
      lines.push(
        'Running, but the template has no QEMU guest agent configured (agent: 1), so the bot cannot see its address: look in your DHCP server or the console',
      );
    else if (r.agent === 'no-answer')
      lines.push(
        `Running, but its guest agent did not answer within ${Math.round((r.agentWaitedMs ?? 0) / 1000)} s (the image may lack qemu-guest-agent): its address is unknown; look in the console`,
      );
    else if (r.agent === 'error')
      lines.push(`Running; reading its addresses failed: ${r.agentError ?? 'unknown error'}`);
    else lines.push('Running.');
  } else if (r.start === 'failed') lines.push(`Not started: Proxmox said ${r.startError ?? 'nothing'}`);
  else if (r.start === 'timeout')
    lines.push(`The start of VM ${vmid} had not finished when the bot stopped waiting`);
  if (r.cloudInit === 'no-drive')
    lines.push('The template has no cloud-init drive: user, sshkey and ip were not applied');
  if (r.cloudInit === 'failed')
    lines.push(`cloud-init options refused by Proxmox: ${r.cloudInitError ?? ''}`);
  if (!r.owned)
    lines.push(
      `The owner tags could not be written (${r.ownError ?? 'unknown error'}): this VM has no lease`,
    );
  else if (r.expiresAt !== undefined)
    lines.push(`Lease ends ${formatInstant(r.expiresAt)}: it is then stopped and deleted`);
  return lines;
}
