import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

// The bot's messages as the sandbox page shows them: an emoji missing from its table shows as `:code:`.
const DIRS = ['src/slack', 'src/health', 'src/core', 'src/jobs', 'src/clone'];
// A `:code:` not glued to a word or colon before it (`UPID:pve1:…`) and starting with a letter (`v1:0:`).
const EMOJI_CODE = /(?<![\w:]):([a-z][a-z0-9_+-]*):(?![\w])/g;

async function tsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}

describe('sandbox emoji table', () => {
  it('renders every :emoji_code: the bot uses', async () => {
    const used = new Map<string, string>();
    for (const dir of DIRS) {
      for (const file of await tsFiles(dir)) {
        for (const m of (await readFile(file, 'utf8')).matchAll(EMOJI_CODE)) used.set(m[1] as string, file);
      }
    }
    expect(used.size).toBeGreaterThan(10);
    const page = fileURLToPath(new URL('../../../src/sim/slack/page/mrkdwn.js', import.meta.url));
    const { emojify } = (await import(pathToFileURL(page).href)) as { emojify: (html: string) => string };
    const missing = [...used].filter(([code]) => emojify(`:${code}:`) === `:${code}:`);
    expect(missing).toEqual([]);
  });
});
