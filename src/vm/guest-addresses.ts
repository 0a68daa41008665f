import type { GuestInterface } from '../proxmox/types.ts';

/** The addresses a person can reach the VM on: no loopback, no link-local (fe80::/10, 169.254/16). */
export function reachableAddresses(interfaces: readonly GuestInterface[]): {
  ipv4: string[];
  ipv6: string[];
} {
  const ipv4: string[] = [];
  const ipv6: string[] = [];
  for (const i of interfaces) {
    if (i.name === 'lo') continue;
    for (const a of i.addresses) {
      if (a.family === 'ipv4' && !/^(127\.|169\.254\.)/.test(a.address)) ipv4.push(a.address);
      if (a.family === 'ipv6' && !/^(::1$|fe[89ab][0-9a-f]:)/i.test(a.address)) ipv6.push(a.address);
    }
  }
  return { ipv4: [...new Set(ipv4)], ipv6: [...new Set(ipv6)] };
}
