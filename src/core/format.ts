/**
 * Text renderers for sizes, durations and progress, shared by the CLI, logs and Slack messages.
 * Sizes use binary units with one decimal, the way Proxmox prints them (`4.0 GiB`).
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** Bytes as Proxmox renders them: `512 B`, `4.0 GiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '? B';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A duration for people: `45s`, `1m 05s`, `2h 03m 04s`. Negative or invalid input reads as `0s`. */
export function formatDuration(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${pad(m)}m ${pad(s)}s`;
  if (m > 0) return `${m}m ${pad(s)}s`;
  return `${s}s`;
}

/**
 * A text progress bar for Slack: `▓▓▓▓░░░░░░ 40%`. The percent is floored so 100% shows only when
 * the copy is really done.
 */
export function progressBar(percent: number, width = 10): string {
  const p = Number.isFinite(percent) ? Math.min(100, Math.max(0, percent)) : 0;
  const w = Number.isInteger(width) && width > 0 ? Math.min(width, 100) : 10;
  const filled = Math.floor((p / 100) * w);
  return `${'▓'.repeat(filled)}${'░'.repeat(w - filled)} ${Math.floor(p)}%`;
}
