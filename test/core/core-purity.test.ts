import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const CORE = join(import.meta.dirname, '../../src/core');

// src/core/ is the pure domain: its types (VMs, storages, the cluster, tasks, requests' results) and rules.
// The adapters map to it; it imports none of them (nor anything that does I/O).
it('src/core imports only from src/core', async () => {
  const offenders: string[] = [];
  for (const name of await readdir(CORE)) {
    const text = await readFile(join(CORE, name), 'utf8');
    for (const m of text.matchAll(/from '([^']+)'/g)) {
      if (!(m[1] as string).startsWith('./')) offenders.push(`${name}: ${m[1]}`);
    }
  }
  expect(offenders).toEqual([]);
});
