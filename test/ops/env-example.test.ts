import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema, loadConfig } from '../../src/config.ts';

const text = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
const lines = text.split('\n');

/** The variable names a config section reads (sections are objects, some piped through a transform). */
function keysOf(schema: z.ZodType): string[] {
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  if (schema instanceof z.ZodPipe) return keysOf(schema.in as z.ZodType);
  throw new Error('config section is neither an object nor a pipe from one');
}
// A variable may be read by more than one section (the bot's checks re-read some Slack ones).
const configKeys = [...new Set(Object.values(configSchema).flatMap((s) => keysOf(s)))];
/** Variables docker-compose.yml reads from the same .env (Compose's interpolation), not the bot. */
const COMPOSE_ONLY = ['REDIS_PASSWORD'];

interface Entry {
  key: string;
  value: string;
  commented: boolean;
  index: number;
}
const entries: Entry[] = lines.flatMap((line, index) => {
  const m = /^(#\s?)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
  return m ? [{ key: m[2] as string, value: m[3] as string, commented: m[1] !== undefined, index }] : [];
});
const base = Object.fromEntries(entries.filter((e) => !e.commented).map((e) => [e.key, e.value]));

describe('.env.example', () => {
  it('documents every variable src/config.ts reads, once, and no other but those Compose reads', () => {
    expect(configKeys.length).toBeGreaterThan(20);
    expect(entries.map((e) => e.key).toSorted()).toEqual([...configKeys, ...COMPOSE_ONLY].toSorted());
    const compose = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
    for (const key of COMPOSE_ONLY) {
      expect(configKeys).not.toContain(key);
      // Required by Compose (`:?` refuses to start when unset or empty), so the example leaves it empty.
      expect(compose).toContain(`\${${key}:?`);
      expect(base[key]).toBe('');
    }
  });

  it('says why for each variable on the comment line above it', () => {
    for (const e of entries) {
      const above = lines[e.index - 1] ?? '';
      expect(above, e.key).toMatch(/^# \S/);
      expect(/^#\s?[A-Z][A-Z0-9_]*=/.test(above), `${e.key} has no line of its own`).toBe(false);
    }
  });

  it('is a complete, valid configuration once its placeholders are filled', () => {
    expect(() => loadConfig(base)).not.toThrow();
    const config = loadConfig(base);
    // Socket Mode, as manifest.yml.
    expect(config.slack.appToken).toMatch(/^xapp-/);
    expect(config.proxmox.auth.kind).toBe('token');
  });

  it('shows the real default on every commented line', () => {
    const defaults = loadConfig(base);
    const commented = entries.filter((e) => e.commented);
    expect(commented.length).toBeGreaterThan(15);
    for (const e of commented) {
      // Setting the documented default (or empty = unset) must change nothing.
      expect(loadConfig({ ...base, [e.key]: e.value }), `${e.key}=${e.value}`).toEqual(defaults);
    }
  });

  it('the default check can fail: a wrong documented default is caught', () => {
    expect(loadConfig({ ...base, CLONE_TIMEOUT_SECONDS: '600' })).not.toEqual(loadConfig(base));
  });
});
