import { isValidDnsName, isValidNodeName, suggestDnsName } from './dns-name.ts';
import {
  formatTemplateRef,
  MAX_VMID,
  MIN_VMID,
  parseTemplateRef,
  parseWholeNumber,
  showToken,
} from './template-ref.ts';
import type { CloneRequest } from './types.ts';
import { formatVmSetup, parseSetupOptions } from './vm-setup-options.ts';

/** The grammar shared by the CLI and the /clone slash command, without the command itself. */
export const CLONE_GRAMMAR =
  '<template> as <name> on <node> [full|linked] [storage S] [pool P] [vmid N] [target T] [start|nostart] [user U] [sshkey] [ip dhcp|ip A/N gw G] [for 3d|until YYYY-MM-DD]';

/** The usage line for a command (`/clone` or `pve-clonebot clone`). */
export function cloneUsage(command = '/clone'): string {
  return `${command} ${CLONE_GRAMMAR}`;
}

/** The /clone usage line. */
export const CLONE_USAGE = cloneUsage();

export type ParseCloneResult =
  | { ok: true; request: CloneRequest }
  | { ok: false; error: string; hint?: string };

/** Options for parseCloneCommand: the command the user typed, used in the examples of error lines. */
export interface ParseCloneOptions {
  command?: string;
  /** Now (ms): `until` dates in the past are refused when given. */
  now?: number;
  /** The longest lease allowed (default DEFAULT_MAX_LEASE_MS). */
  maxLeaseMs?: number;
}

const OPTIONS = [
  'full',
  'linked',
  'storage',
  'pool',
  'vmid',
  'target',
  'start',
  'nostart',
  'user',
  'sshkey',
  'ip',
  'for',
  'until',
] as const;
type OptionWord = (typeof OPTIONS)[number];
const OPTION_LIST =
  'full, linked, storage S, pool P, vmid N, target T, start, nostart, user U, sshkey, ip dhcp / ip A/N gw G, for 3d, until YYYY-MM-DD';
const MAX_TEXT = 500;
/** PVE `pve-storage-id`. */
const STORAGE_ID = /^[A-Za-z][A-Za-z0-9._-]*[A-Za-z0-9]$/;
/** PVE `pve-poolid`, nested pools (PVE ≥ 8.1) allowed. */
const POOL_ID = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+){0,2}$/;

const isOption = (t: string | undefined): t is string =>
  t !== undefined && (OPTIONS as readonly string[]).includes(t.toLowerCase());
const is = (t: string | undefined, word: string) => t !== undefined && t.toLowerCase() === word;

/**
 * Parses `<template> as <name> on <node> [full|linked] [storage S] [pool P] [vmid N] [target T]`.
 * Keywords are case-insensitive; options follow `on <node>` in any order, each once. On bad input returns
 * one line saying what is wrong and what to type instead. Nothing here checks the cluster.
 */
export function parseCloneCommand(text: string, options: ParseCloneOptions = {}): ParseCloneResult {
  const cmd = options.command ?? '/clone';
  const hint = `Usage: ${cloneUsage(cmd)} (<template> is a VMID like 112, a base id like 5 or base:5, or a template name)`;
  const fail = (error: string): ParseCloneResult => ({ ok: false, error, hint });
  if (text.length > MAX_TEXT) {
    return fail(
      `That request is too long (${text.length} characters): type ${cmd} 112 as test-clone on pve1`,
    );
  }
  const t = text
    .trim()
    .split(/\s+/)
    .filter((s) => s !== '');
  const example = (tpl = '112', name = 'test-clone', node = 'pve1', rest = '') =>
    `${cmd} ${tpl} as ${name} on ${node}${rest}`;

  const first = t[0];
  if (first === undefined) return fail(`Missing clone request: type ${example()}`);
  if (is(first, 'as') || is(first, 'on'))
    return fail(`Missing template before '${first}': type ${example()}`);
  if (is(first, 'base') && parseWholeNumber(t[1] ?? '') !== undefined) {
    return fail(`Write a base id as base:${t[1]} (no space): type ${example(`base:${t[1]}`)}`);
  }
  const template = parseTemplateRef(first);
  if ('error' in template) return fail(template.error);
  const tpl = formatTemplateRef(template);

  if (!is(t[1], 'as')) {
    const nameGuess = t[1] !== undefined && !is(t[1], 'on') && isValidDnsName(t[1]) ? t[1] : undefined;
    const nodeAt = t.findIndex((x, i) => i > 0 && is(x, 'on'));
    const node = nodeAt > 0 && isValidNodeName(t[nodeAt + 1] ?? '') ? t[nodeAt + 1] : undefined;
    return fail(`Missing 'as <name>': type ${example(tpl, nameGuess, node)}`);
  }
  const name = t[2];
  if (name === undefined || is(name, 'on')) {
    return fail(`Missing the new VM's name after 'as': type ${example(tpl)}`);
  }
  if (!isValidDnsName(name)) {
    return fail(
      `'${showToken(name)}' is not a valid VM name: use letters, digits and hyphens (e.g. ${suggestDnsName(name)})`,
    );
  }
  if (!is(t[3], 'on')) {
    if (isOption(t[3])) {
      return fail(
        `Options go after 'on <node>': type ${example(tpl, name, 'pve1', ` ${t.slice(3).join(' ')}`)}`,
      );
    }
    return fail(`Missing 'on <node>': type ${example(tpl, name)}`);
  }
  const node = t[4];
  if (node === undefined) return fail(`Missing the node after 'on': type ${example(tpl, name)}`);
  if (!isValidNodeName(node)) {
    return fail(`'${showToken(node)}' is not a valid node name: use the Proxmox node's name, e.g. pve1`);
  }
  const parsed = parseOptions(t.slice(5));
  if ('error' in parsed) return fail(parsed.error);
  const setup = parseSetupOptions(parsed.setupTokens, options);
  if ('error' in setup) return fail(setup.error);
  const request: CloneRequest = { template, name, node, mode: parsed.mode ?? 'full', ...parsed.fields };
  if (Object.keys(setup).length > 0) request.setup = setup;
  return { ok: true, request };
}

type Fields = Pick<CloneRequest, 'storage' | 'pool' | 'vmid' | 'target'>;
const SETUP_WORDS = new Set<string>(['start', 'nostart', 'user', 'sshkey', 'ip', 'for', 'until']);

function parseOptions(
  rest: string[],
): { mode?: 'full' | 'linked'; fields: Fields; setupTokens: string[] } | { error: string } {
  const seen = new Set<OptionWord>();
  const fields: Fields = {};
  const setupTokens: string[] = [];
  let mode: 'full' | 'linked' | undefined;
  for (let i = 0; i < rest.length; i++) {
    const raw = rest[i] as string;
    const word = raw.toLowerCase() as OptionWord;
    if (!isOption(raw)) return { error: `Unknown option '${showToken(raw)}'; options are ${OPTION_LIST}` };
    if (seen.has(word)) return { error: `'${word}' is given twice: give each option once` };
    seen.add(word);
    if (SETUP_WORDS.has(word)) {
      // The VM options (start, cloud-init, lease) and their values up to the next option word.
      setupTokens.push(word);
      while (i + 1 < rest.length && !isOption(rest[i + 1])) setupTokens.push(rest[++i] as string);
      continue;
    }
    if (word === 'full' || word === 'linked') {
      if (mode !== undefined) return { error: `Choose 'full' or 'linked', not both` };
      mode = word;
      continue;
    }
    const value = rest[i + 1];
    i += 1;
    const checked = checkCloneOption(word as 'storage' | 'pool' | 'vmid' | 'target', value);
    if (typeof checked === 'string') return { error: checked };
    Object.assign(fields, checked);
  }
  if (mode === 'linked' && fields.storage !== undefined) return { error: linkedWithStorage(fields.storage) };
  return mode === undefined ? { fields, setupTokens } : { mode, fields, setupTokens };
}

/** Why `linked` and `storage S` do not go together. */
export const linkedWithStorage = (storage: string) =>
  `'storage' is not allowed for linked clones: Proxmox refuses it (a linked clone stays on the template's storage); drop 'storage ${storage}' or ask for 'full'`;

const EXAMPLES: Record<string, string> = {
  storage: 'storage local-lvm',
  pool: 'pool lab',
  vmid: 'vmid 200',
  target: 'target pve2',
};

/**
 * Checks one option's value (`storage local-lvm`, `pool lab`, ...): the field it sets, or one line saying what
 * is wrong. Shared with the `/clone` form, which checks each field on its own rather than joining them.
 */
export function checkCloneOption(
  word: 'storage' | 'pool' | 'vmid' | 'target',
  value: string | undefined,
): Fields | string {
  if (value === undefined) return `'${word}' needs a value: e.g. ${EXAMPLES[word]}`;
  if (isOption(value)) return `'${word}' needs a value before '${value}': e.g. ${EXAMPLES[word]}`;
  const v = showToken(value);
  switch (word) {
    case 'storage':
      return STORAGE_ID.test(value)
        ? { storage: value }
        : `'${v}' is not a valid storage id: use the Proxmox storage's id, e.g. local-lvm`;
    case 'pool':
      return POOL_ID.test(value)
        ? { pool: value }
        : `'${v}' is not a valid pool id: use letters, digits, '-', '_'`;
    case 'target':
      return isValidNodeName(value)
        ? { target: value }
        : `'${v}' is not a valid target node name: use the Proxmox node's name, e.g. pve2`;
    case 'vmid': {
      const n = parseWholeNumber(value);
      return n !== undefined && n >= MIN_VMID && n <= MAX_VMID
        ? { vmid: n }
        : `vmid must be a whole number from ${MIN_VMID} to ${MAX_VMID} (got '${v}')`;
    }
  }
}

/** The request as the user would type it, for echoing back: `112 as test-clone on pve1 full storage local-lvm`. */
export function formatCloneRequest(request: CloneRequest): string {
  const parts = [formatTemplateRef(request.template), 'as', request.name, 'on', request.node, request.mode];
  if (request.storage !== undefined) parts.push('storage', request.storage);
  if (request.pool !== undefined) parts.push('pool', request.pool);
  if (request.vmid !== undefined) parts.push('vmid', String(request.vmid));
  if (request.target !== undefined) parts.push('target', request.target);
  const setup = formatVmSetup(request.setup);
  if (setup !== '') parts.push(setup);
  return parts.join(' ');
}
