/**
 * Name rules Proxmox enforces: a VM name is a DNS name (`dns-name` format: labels of letters, digits and
 * hyphens, not starting or ending with a hyphen, joined by dots); a node name is one such label.
 */

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** True when `name` is a valid VM name for Proxmox (a DNS name; labels ≤ 63 chars, whole ≤ 253). */
export function isValidDnsName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((label) => LABEL.test(label));
}

/** True when `name` is a valid Proxmox node name (a single DNS label, e.g. `pve1`). */
export function isValidNodeName(name: string): boolean {
  return LABEL.test(name);
}

/** A valid DNS name close to `raw` (`Test_VM` → `test-vm`), or `test-vm` when nothing usable is left. */
export function suggestDnsName(raw: string): string {
  const labels = raw
    .toLowerCase()
    .split('.')
    .map((label) =>
      label
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/-{2,}/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 63)
        .replace(/-+$/g, ''),
    )
    .filter((label) => label !== '');
  const name = labels
    .join('.')
    .slice(0, 253)
    .replace(/[.-]+$/g, '');
  return isValidDnsName(name) ? name : 'test-vm';
}
