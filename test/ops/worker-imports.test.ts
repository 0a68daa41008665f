import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

/**
 * The packages a module loads when it starts: its static value imports, followed through our own files.
 * `import type`, and braces naming types only, are erased by the compiler; a dynamic `import()` loads only
 * when it runs (start-services imports start-bot so, in bot mode).
 */
function staticImports(entry: string): Map<string, string[]> {
  const packages = new Map<string, string[]>();
  const seen = new Set<string>();
  const walk = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    const here = [...chain, relative(root, file)];
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(
      /^import\s+(type\s+)?([^'";]*?)\s*from\s+'([^']+)'|^import\s+'([^']+)'/gm,
    )) {
      const [, typeOnly, clause = '', from, bare] = m;
      const spec = (from ?? bare) as string;
      if (typeOnly) continue;
      const braces = /^\{([^}]*)\}$/.exec(clause.trim());
      const names = braces?.[1]
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (names && names.length > 0 && names.every((n) => n.startsWith('type '))) continue;
      if (spec.startsWith('.')) walk(resolve(dirname(file), spec), here);
      else if (!packages.has(spec)) packages.set(spec, here);
    }
  };
  walk(resolve(root, entry), []);
  return packages;
}

describe('what a worker process loads', () => {
  // A worker takes no Slack requests: Bolt, its receivers and Express are megabytes of code and heap in
  // every worker (the follow benchmark's idle RSS) for nothing. Bolt's logger interface and LogLevel are
  // @slack/logger's, re-exported by @slack/web-api.
  it('main.js reaches neither Bolt nor Express through a static import', () => {
    const packages = staticImports('src/main.ts');
    const bot = ['@slack/bolt', '@slack/socket-mode', '@slack/oauth', 'express'];
    const found = bot.filter((p) => packages.has(p)).map((p) => `${p} <- ${packages.get(p)?.join(' <- ')}`);
    expect(found).toEqual([]);
    // The walk itself works: it finds what a worker does load.
    expect(packages.has('bullmq')).toBe(true);
    expect(packages.has('@slack/web-api')).toBe(true);
  });
});
