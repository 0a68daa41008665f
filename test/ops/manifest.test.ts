import { readFileSync } from 'node:fs';
import type { AppsManifestCreateArguments } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { CLONE_GRAMMAR } from '../../src/core/parse-clone-command.ts';
import { subcommandTable } from '../../src/slack/listeners/commands/clone-subcommands.ts';
import { httpModeManifest, manifestSchema, socketModeManifest } from './manifest-schema.ts';

type Manifest = AppsManifestCreateArguments['manifest'];

const text = readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8');
const raw: unknown = parse(text);
// The typed assignment tsc checks: what the schema accepts is a manifest @slack/web-api accepts.
const manifest: Manifest = manifestSchema.parse(raw);

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** `a.b[0].c` → sets that path in `obj`. */
function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== '');
  let at: Record<string, unknown> = obj;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  at[keys[keys.length - 1] as string] = value;
}

describe('manifest.yml', () => {
  it('is a Socket Mode manifest within Slack limits', () => {
    const m = socketModeManifest.parse(raw);
    expect(m.settings.socket_mode_enabled).toBe(true);
    expect(m.settings.interactivity.is_enabled).toBe(true);
    expect(m.display_information.name.length).toBeLessThanOrEqual(35);
    expect(m.display_information.description.length).toBeLessThanOrEqual(140);
    expect(manifest.display_information.name).toBe('pve-clonebot');
  });

  it('declares /clone with the parser grammar and every subcommand in its usage hint, unescaped', () => {
    const m = socketModeManifest.parse(raw);
    expect(m.features.slash_commands).toHaveLength(1);
    const [clone] = m.features.slash_commands;
    expect(clone?.command).toBe('/clone');
    expect(clone?.should_escape).toBe(false);
    const [grammar, ...subcommands] = (clone?.usage_hint ?? '').split(' | ');
    expect(grammar).toBe(CLONE_GRAMMAR);
    const names = subcommands.map((s) => s.split(' ')[0]);
    for (const sub of subcommandTable()) expect(names).toContain(sub.name);
    expect(names).toContain('health');
  });

  it('asks for exactly the bot scopes the bot uses', () => {
    expect(socketModeManifest.parse(raw).oauth_config.scopes.bot.toSorted()).toEqual(
      ['chat:write', 'chat:write.public', 'commands', 'usergroups:read'].toSorted(),
    );
  });

  it("becomes a valid HTTP-mode manifest by following its own comment's instructions", () => {
    // The comment lists `#   path: value` lines; apply them with a real host.
    const lines = [...text.matchAll(/^#\s{3}([\w.[\]]+):\s*(\S+)\s*$/gm)];
    expect(lines.map((l) => l[1])).toEqual([
      'settings.socket_mode_enabled',
      'features.slash_commands[0].url',
      'settings.interactivity.request_url',
      'settings.event_subscriptions.request_url',
    ]);
    const http = clone(raw) as Record<string, unknown>;
    for (const [, path, value] of lines) {
      setPath(
        http,
        path as string,
        value === 'false' ? false : value?.replace('<host>', 'clonebot.example.com'),
      );
    }
    const m = httpModeManifest.parse(http);
    expect(m.features.slash_commands[0]?.url).toBe('https://clonebot.example.com/slack/events');
    expect(m.settings.event_subscriptions.request_url).toBe('https://clonebot.example.com/slack/events');
    expect(manifestSchema.safeParse(http).success).toBe(true);
  });

  it('has the App Home tab and subscribes to app_home_opened, the one event the bot listens to', () => {
    const m = socketModeManifest.parse(raw);
    expect(m.features.app_home.home_tab_enabled).toBe(true);
    expect(m.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
    expect(manifest.settings?.event_subscriptions?.bot_events).toEqual(['app_home_opened']);
  });

  it('has no YAML warnings or duplicate keys', () => {
    const doc = parseDocument(text, { uniqueKeys: true });
    expect(doc.errors).toEqual([]);
    expect(doc.warnings).toEqual([]);
  });
});

describe('the manifest schema', () => {
  const bad: [string, (m: Record<string, unknown>) => void][] = [
    ['a name over 35 characters', (m) => setPath(m, 'display_information.name', 'x'.repeat(36))],
    [
      'a description over 140 characters',
      (m) => setPath(m, 'display_information.description', 'x'.repeat(141)),
    ],
    ['a command without /', (m) => setPath(m, 'features.slash_commands[0].command', 'clone')],
    ['a command without usage hint', (m) => setPath(m, 'features.slash_commands[0].usage_hint', undefined)],
    ['escaped command text', (m) => setPath(m, 'features.slash_commands[0].should_escape', true)],
    [
      'a scope the bot does not need',
      (m) => setPath(m, 'oauth_config.scopes.bot', ['commands', 'channels:manage']),
    ],
    [
      'users:read (nothing calls users.info)',
      (m) => setPath(m, 'oauth_config.scopes.bot', ['commands', 'chat:write', 'users:read']),
    ],
    [
      'Socket Mode with a request URL',
      (m) => setPath(m, 'settings.interactivity.request_url', 'https://h/slack/events'),
    ],
    ['HTTP mode without request URLs', (m) => setPath(m, 'settings.socket_mode_enabled', false)],
    ['interactivity off', (m) => setPath(m, 'settings.interactivity.is_enabled', false)],
    ['the Home tab off', (m) => setPath(m, 'features.app_home.home_tab_enabled', false)],
    ['no app_home_opened event', (m) => setPath(m, 'settings.event_subscriptions.bot_events', [])],
    [
      'an event the bot does not handle',
      (m) => setPath(m, 'settings.event_subscriptions.bot_events', ['app_home_opened', 'message.channels']),
    ],
    [
      'Socket Mode with an events request URL',
      (m) => setPath(m, 'settings.event_subscriptions.request_url', 'https://h/slack/events'),
    ],
    ['a misspelt key', (m) => setPath(m, 'settings.socket_mode', true)],
  ];
  it.each(bad)('rejects %s', (_what, spoil) => {
    const m = clone(raw) as Record<string, unknown>;
    spoil(m);
    expect(manifestSchema.safeParse(m).success).toBe(false);
  });

  it('rejects HTTP mode with a plain-http or wrong-path URL', () => {
    const m = clone(raw) as Record<string, unknown>;
    setPath(m, 'settings.socket_mode_enabled', false);
    setPath(m, 'settings.interactivity.request_url', 'https://h.example/slack/events');
    setPath(m, 'settings.event_subscriptions.request_url', 'https://h.example/slack/events');
    setPath(m, 'features.slash_commands[0].url', 'http://h.example/slack/events');
    expect(manifestSchema.safeParse(m).success).toBe(false);
    setPath(m, 'features.slash_commands[0].url', 'https://h.example/slack/commands');
    expect(manifestSchema.safeParse(m).success).toBe(false);
    setPath(m, 'features.slash_commands[0].url', 'https://h.example/slack/events');
    expect(manifestSchema.safeParse(m).success).toBe(true);
    setPath(m, 'settings.event_subscriptions.request_url', 'https://h.example/slack/evts');
    expect(manifestSchema.safeParse(m).success).toBe(false);
  });
});
