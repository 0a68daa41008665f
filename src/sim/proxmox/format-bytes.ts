const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `4294967296` → `4.0 GiB`: one decimal, binary units, as in Proxmox's `transferred X of Y (P%)` lines. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** The progress line a full copy of a stopped source prints, e.g. `transferred 4.0 GiB of 32.0 GiB (12.50%)`. */
export function progressLine(done: number, total: number): string {
  const percent = total === 0 ? 100 : (done / total) * 100;
  return `transferred ${formatBytes(done)} of ${formatBytes(total)} (${percent.toFixed(2)}%)`;
}
