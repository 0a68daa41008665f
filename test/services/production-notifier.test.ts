import { expect, it } from 'vitest';
import type { CloneResult } from '../../src/core/types.ts';
import type { CloneNotifier } from '../../src/jobs/types.ts';
import type { CloneRequestRecord } from '../../src/requests/types.ts';
import { productionNotifier } from '../../src/services/production-notifier.ts';

const record = { id: 'r1' } as unknown as CloneRequestRecord;
const result = { ok: true } as unknown as CloneResult;

it('passes every method through, findStarted included, and counts a result once it is handed over', async () => {
  const calls: string[] = [];
  const inner: CloneNotifier = {
    started: async () => {
      calls.push('started');
      return { progressTs: '1.1' };
    },
    async findStarted() {
      // `this` must still be the outbox's notifier.
      calls.push(this === inner ? 'findStarted' : 'findStarted unbound');
      return { progressTs: '1.2' };
    },
    progress: async () => {
      calls.push('progress');
      return true;
    },
    finished: async () => {
      calls.push('finished');
      return 'queued';
    },
  };
  const counted: CloneResult[] = [];
  const notifier = productionNotifier(inner, { recordClone: (r) => counted.push(r) });
  expect(await notifier.started(record)).toEqual({ progressTs: '1.1' });
  expect(await notifier.findStarted?.(record)).toEqual({ progressTs: '1.2' });
  expect(await notifier.progress(record, {} as never)).toBe(true);
  expect(await notifier.finished(record, result)).toBe('queued');
  expect(calls).toEqual(['started', 'findStarted', 'progress', 'finished']);
  expect(counted).toEqual([result]);
});

it('a hand-over that throws is not counted (the job retries it)', async () => {
  const counted: CloneResult[] = [];
  const notifier = productionNotifier(
    {
      started: async () => ({}),
      progress: async () => false,
      finished: async () => {
        throw new Error('redis down');
      },
    },
    { recordClone: (r) => counted.push(r) },
  );
  expect(notifier.findStarted).toBeUndefined();
  await expect(notifier.finished(record, result)).rejects.toThrow('redis down');
  expect(counted).toEqual([]);
});
