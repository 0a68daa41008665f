import { describe, expect, it } from 'vitest';
import { inspectDisks } from '../../src/core/boot-disk.ts';
import { classifyCloneError } from '../../src/core/clone-error.ts';
import { parseCloneCommand } from '../../src/core/parse-clone-command.ts';
import { parseTaskLogLine } from '../../src/core/task-log-line.ts';
import { classifyTaskExit } from '../../src/core/task-outcome.ts';

/** A seeded generator, so a failure reproduces. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}
const PIECES = [
  '112',
  'as',
  'on',
  'pve1',
  'full',
  'linked',
  'storage',
  'pool',
  'vmid',
  'target',
  'base:',
  '-',
  '_',
  '.',
  ':',
  ',',
  '=',
  ' ',
  '\t',
  '\u0000',
  '<!here>',
  'é',
  '9'.repeat(15),
  'size=',
  'media=cdrom',
  'order=',
  ';',
  'GiB',
  '(',
  ')',
  '%',
  'transferred',
  'TASK ERROR:',
];

describe('hostile and random input', () => {
  it('never throws and always answers in one line', () => {
    const next = rng(42);
    for (let i = 0; i < 3000; i++) {
      const text = Array.from(
        { length: Math.floor(next() * 12) },
        () => PIECES[Math.floor(next() * PIECES.length)],
      ).join(next() < 0.5 ? ' ' : '');
      const r = parseCloneCommand(text);
      if (!r.ok) {
        expect(r.error.includes('\n') || r.error.includes('\u0000')).toBe(false);
        expect(r.error.length).toBeLessThan(300);
      }
      inspectDisks({ scsi0: text, boot: text, unused0: text, ide2: text });
      parseTaskLogLine(text);
      classifyTaskExit(text);
      classifyCloneError({ message: text });
    }
  });

  it('does not take prototype keys for drives', () => {
    const config = JSON.parse('{"__proto__": "x", "constructor": "y", "scsi0": "a:b,size=1G"}');
    expect(inspectDisks(config).bootDisk?.key).toBe('scsi0');
  });
});
