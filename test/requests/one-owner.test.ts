import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return sources(p);
      return Promise.resolve(e.name.endsWith('.ts') ? [p] : []);
    }),
  );
  return nested.flat();
}

// The request's life has one owner: the lifecycle table and its moves (src/requests/). Anything else that
// changed a status, created a request or recorded a delivery directly would be a second life beside it.
// (The simulators play Slack and Proxmox and keep no request records.)
it('only src/requests/ changes a request status, creates a request or records its delivery', async () => {
  const forbidden = [
    /\.transition\(/,
    /\bstore\.(create|cancel|expirePending)\(/,
    /resultDelivered: true/,
    /deliveryAbandoned: \{/,
  ];
  const offenders: string[] = [];
  for (const file of await sources(SRC)) {
    const rel = relative(SRC, file);
    if (rel.startsWith('requests/') || rel.startsWith('sim/')) continue;
    const text = await readFile(file, 'utf8');
    for (const re of forbidden) if (re.test(text)) offenders.push(`${rel}: ${re.source}`);
  }
  expect(offenders).toEqual([]);
});
