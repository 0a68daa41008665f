import { expect, it } from 'vitest';
import { mergeFields } from '../../src/core/merge-fields.ts';

it('merges as a spread does: later fields win, inputs untouched, a fresh object', () => {
  const record = { id: 'r1', status: 'cloning', progressTs: undefined as string | undefined };
  const patch = { progressTs: '171.2', lastProgress: { percent: 40 } };
  const merged = mergeFields(record, patch, { status: 'done' });
  expect(merged).toEqual({ ...record, ...patch, status: 'done' });
  expect(Object.keys(merged)).toEqual(Object.keys({ ...record, ...patch, status: 'done' }));
  expect(record).toEqual({ id: 'r1', status: 'cloning', progressTs: undefined });
  expect(merged).not.toBe(record);
  expect(merged.lastProgress).toBe(patch.lastProgress);
});
