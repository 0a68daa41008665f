import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, progressBar } from '../../src/core/format.ts';

describe('formatBytes', () => {
  it('uses binary units with one decimal, like Proxmox', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(4 * 1024 ** 3)).toBe('4.0 GiB');
    expect(formatBytes(330.2 * 1024 ** 2)).toBe('330.2 MiB');
    expect(formatBytes(1.5 * 1024 ** 4)).toBe('1.5 TiB');
    expect(formatBytes(-1)).toBe('? B');
    expect(formatBytes(Number.NaN)).toBe('? B');
  });
});

describe('formatDuration', () => {
  it('prints seconds, minutes and hours', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(999)).toBe('0s');
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(65_000)).toBe('1m 05s');
    expect(formatDuration(900_000)).toBe('15m 00s');
    expect(formatDuration(3_600_000 * 2 + 3 * 60_000 + 4_000)).toBe('2h 03m 04s');
    expect(formatDuration(-5)).toBe('0s');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('0s');
  });
});

describe('progressBar', () => {
  it('draws a bar and floors the percent', () => {
    expect(progressBar(40, 10)).toBe('▓▓▓▓░░░░░░ 40%');
    expect(progressBar(0)).toBe('░░░░░░░░░░ 0%');
    expect(progressBar(99.9)).toBe('▓▓▓▓▓▓▓▓▓░ 99%');
    expect(progressBar(100, 4)).toBe('▓▓▓▓ 100%');
    expect(progressBar(150, 4)).toBe('▓▓▓▓ 100%');
    expect(progressBar(-3, 4)).toBe('░░░░ 0%');
    expect(progressBar(Number.NaN, 4)).toBe('░░░░ 0%');
    expect(progressBar(50, 0)).toBe('▓▓▓▓▓░░░░░ 50%');
  });
});
