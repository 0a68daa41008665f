const MULTIPLIER: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/**
 * A Proxmox disk size (`size=32G`, `512M`, `1T`, `100K`, `4.5G`, plain bytes) in bytes; binary units as
 * Proxmox uses them. Undefined when unreadable.
 */
export function parseDiskSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)B?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? '').toUpperCase();
  const bytes = Number(m[1]) * (MULTIPLIER[unit] ?? 1);
  return Number.isFinite(bytes) ? Math.round(bytes) : undefined;
}
