import { expect, test } from 'vitest';
import { formatBytes, progressLine } from '../../../src/sim/proxmox/format-bytes.ts';

test('one decimal, binary units B … TiB', () => {
  expect(formatBytes(0)).toBe('0.0 B');
  expect(formatBytes(512)).toBe('512.0 B');
  expect(formatBytes(1536)).toBe('1.5 KiB');
  expect(formatBytes(331.8 * 1024 ** 2)).toBe('331.8 MiB');
  expect(formatBytes(4 * 1024 ** 3)).toBe('4.0 GiB');
  expect(formatBytes(2.5 * 1024 ** 4)).toBe('2.5 TiB');
});

test('the progress line of a stopped source, percent with two decimals', () => {
  expect(progressLine(4 * 1024 ** 3, 32 * 1024 ** 3)).toBe('transferred 4.0 GiB of 32.0 GiB (12.50%)');
  expect(progressLine(0, 0)).toBe('transferred 0.0 B of 0.0 B (100.00%)');
});
