/**
 * The `ip` option: `ip dhcp` or `ip 10.0.0.5/24 gw 10.0.0.1`, checked before anything is created. Proxmox
 * itself accepts a gateway outside the subnet or next to `dhcp` and only warns when it writes cloud-init
 * (qemu-server PVE/QemuServer/Network.pm parse_ipconfig), so the guest would come up unreachable: we refuse.
 */

export type IpSetting =
  | { kind: 'dhcp' }
  | { kind: 'static'; address: string; prefix: number; gateway?: string };

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);

const toInt = (ip: string) => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
const EXAMPLE = 'ip 10.0.0.5/24 gw 10.0.0.1 (or ip dhcp)';

/** Parses the value after `ip` (and the gateway after `gw`, if any). */
export function parseIpSetting(value: string | undefined, gateway?: string): IpSetting | { error: string } {
  if (value === undefined) return { error: `'ip' needs a value: e.g. ${EXAMPLE}` };
  if (value.toLowerCase() === 'dhcp') {
    if (gateway !== undefined)
      return { error: `'gw' does not go with 'ip dhcp' (DHCP gives the gateway): drop 'gw ${gateway}'` };
    return { kind: 'dhcp' };
  }
  const [address = '', prefixText, ...more] = value.split('/');
  if (!IPV4.test(address) || more.length > 0)
    return { error: `'${value.slice(0, 40)}' is not an IPv4 address: e.g. ${EXAMPLE}` };
  if (prefixText === undefined)
    return {
      error: `'${value}' needs a prefix length (the subnet size): e.g. ip ${address}/24${gateway === undefined ? '' : ` gw ${gateway}`}`,
    };
  if (!/^\d{1,2}$/.test(prefixText) || Number(prefixText) < 1 || Number(prefixText) > 32)
    return { error: `'/${prefixText}' is not a prefix length: use 1 to 32, e.g. ${address}/24` };
  const prefix = Number(prefixText);
  const mask = prefix === 32 ? 0xffffffff : (0xffffffff - (2 ** (32 - prefix) - 1)) >>> 0;
  const addr = toInt(address);
  const network = (addr & mask) >>> 0;
  const broadcast = (network + (2 ** (32 - prefix) - 1)) >>> 0;
  if (prefix <= 30 && (addr === network || addr === broadcast))
    return {
      error: `${address} is the ${addr === network ? 'network' : 'broadcast'} address of ${value}: pick a host address inside it`,
    };
  if (gateway === undefined) return { kind: 'static', address, prefix };
  if (!IPV4.test(gateway))
    return { error: `'gw ${gateway.slice(0, 40)}' is not an IPv4 address: e.g. ${EXAMPLE}` };
  const gw = toInt(gateway);
  if ((gw & mask) >>> 0 !== network)
    return {
      error: `The gateway ${gateway} is outside ${address}/${prefix}: the guest could not reach it; give a gateway inside the subnet`,
    };
  if (gw === addr)
    return { error: `The gateway ${gateway} is the VM's own address: give the router's address` };
  return { kind: 'static', address, prefix, gateway };
}

/** `ipconfig0` as Proxmox wants it: `ip=dhcp` or `ip=10.0.0.5/24,gw=10.0.0.1`. */
export function ipconfigValue(ip: IpSetting): string {
  if (ip.kind === 'dhcp') return 'ip=dhcp';
  return `ip=${ip.address}/${ip.prefix}${ip.gateway === undefined ? '' : `,gw=${ip.gateway}`}`;
}

/** As typed: `ip dhcp`, `ip 10.0.0.5/24 gw 10.0.0.1`. */
export function formatIpSetting(ip: IpSetting): string {
  if (ip.kind === 'dhcp') return 'ip dhcp';
  return `ip ${ip.address}/${ip.prefix}${ip.gateway === undefined ? '' : ` gw ${ip.gateway}`}`;
}

// useradd's default NAME_REGEX (Debian adduser.conf, shadow-utils): what cloud-init can create.
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
const RESERVED_USERS = new Set(['root', 'daemon', 'bin', 'sys', 'sync', 'nobody', 'admin']);

/** Checks a cloud-init user name; one line saying why not. */
export function checkCloudInitUser(name: string | undefined): string | undefined {
  if (name === undefined) return `'user' needs a name: e.g. user alice`;
  if (!USER_NAME.test(name))
    return `'${name.slice(0, 40)}' is not a user name cloud-init can create: lower-case letters, digits, '_' and '-', starting with a letter, at most 32 (e.g. user ${
      name
        .toLowerCase()
        .replace(/[^a-z0-9_-]/g, '')
        .replace(/^[^a-z_]+/, '') || 'alice'
    })`;
  if (RESERVED_USERS.has(name))
    return `'${name}' is a system account: pick your own user name, e.g. user alice`;
  return undefined;
}
