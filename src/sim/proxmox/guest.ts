import type { SimVm } from './sim-state.ts';

/** One interface as `guest-network-get-interfaces` (QEMU guest agent, qga/qapi-schema.json) reports it. */
export interface GuestInterface {
  name: string;
  'hardware-address': string;
  'ip-addresses': { 'ip-address': string; 'ip-address-type': 'ipv4' | 'ipv6'; prefix: number }[];
  statistics?: Record<string, number>;
}

/** The MAC of net0 (`virtio=BC:24:11:00:11:20,bridge=vmbr0`), lower-case as the guest reports it. */
function net0Mac(vm: SimVm): string | undefined {
  const m = /(?:^|,)\w+=([0-9A-Fa-f:]{17})/.exec(String(vm.config.net0 ?? ''));
  return m?.[1]?.toLowerCase();
}

/** An EUI-64 link-local address from a MAC (what a Linux guest configures on its own). */
function linkLocal(mac: string): string {
  const b = mac.split(':').map((h) => Number.parseInt(h, 16));
  const e = [(b[0] as number) ^ 2, b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]] as number[];
  const groups = [0, 2, 4, 6].map((i) => (((e[i] as number) << 8) | (e[i + 1] as number)).toString(16));
  return `fe80::${groups.join(':')}`;
}

/**
 * The guest's interfaces once its agent answers: `lo`, and `eth0` with the address cloud-init gave it
 * (`ipconfig0: ip=10.0.0.5/24,gw=10.0.0.1`, `ip6=…`), a DHCP lease from 192.168.100.0/24 otherwise, and a
 * link-local IPv6 address from net0's MAC. A VM without net0 has only `lo`.
 */
export function guestInterfaces(vm: SimVm): GuestInterface[] {
  const out: GuestInterface[] = [
    {
      name: 'lo',
      'hardware-address': '00:00:00:00:00:00',
      'ip-addresses': [
        { 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4', prefix: 8 },
        { 'ip-address': '::1', 'ip-address-type': 'ipv6', prefix: 128 },
      ],
    },
  ];
  const mac = net0Mac(vm);
  if (mac === undefined) return out;
  const ipconfig = String(vm.config.ipconfig0 ?? '');
  const ip = /(?:^|,)ip=([^,]+)/.exec(ipconfig)?.[1];
  const ip6 = /(?:^|,)ip6=([^,]+)/.exec(ipconfig)?.[1];
  const addresses: GuestInterface['ip-addresses'] = [];
  if (ip !== undefined && ip !== 'dhcp' && ip.includes('/')) {
    const [addr, prefix] = ip.split('/');
    addresses.push({ 'ip-address': addr as string, 'ip-address-type': 'ipv4', prefix: Number(prefix) });
  } else {
    // A lease a DHCP server would hand out, stable per VM.
    addresses.push({
      'ip-address': `192.168.100.${10 + (vm.vmid % 240)}`,
      'ip-address-type': 'ipv4',
      prefix: 24,
    });
  }
  if (ip6 !== undefined && ip6.includes('/')) {
    const [addr, prefix] = ip6.split('/');
    addresses.push({ 'ip-address': addr as string, 'ip-address-type': 'ipv6', prefix: Number(prefix) });
  }
  addresses.push({ 'ip-address': linkLocal(mac), 'ip-address-type': 'ipv6', prefix: 64 });
  out.push({ name: 'eth0', 'hardware-address': mac, 'ip-addresses': addresses });
  return out;
}
