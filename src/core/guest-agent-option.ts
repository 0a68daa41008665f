/** PVE's JSONSchema booleans (PVE::JSONSchema parse_boolean). */
const TRUE = /^(1|on|yes|true)$/i;

/**
 * Whether a VM's `agent` option turns the QEMU guest agent on. qemu-server's format is
 * `[enabled=]<1|0>[,fstrim_cloned_disks=<1|0>][,freeze-fs-on-backup=<1|0>][,type=<virtio|isa>]`; `enabled` is the
 * default key and defaults to 0, and PVE::QemuServer::Agent refuses every agent call with "No QEMU guest agent
 * configured" unless it is on. So `agent: 0`, `agent: enabled=0` and `agent: type=virtio` are all off.
 */
export function guestAgentEnabled(option: string | number | undefined): boolean {
  if (option === undefined) return false;
  for (const part of String(option).split(',')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? 'enabled' : part.slice(0, eq).trim();
    if (key === 'enabled') return TRUE.test((eq < 0 ? part : part.slice(eq + 1)).trim());
  }
  return false;
}
