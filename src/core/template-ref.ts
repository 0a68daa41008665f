import { isValidDnsName } from './dns-name.ts';
import type { TemplateRef } from './types.ts';

/** Lowest and highest VMID Proxmox accepts (`newid`, `vmid`). */
export const MIN_VMID = 100;
export const MAX_VMID = 999_999_999;

/** Shows user text inside an error line: control characters replaced, long text cut. */
export function showToken(token: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const clean = token.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}

/** A whole number written in plain digits (no sign, exponent or decimals), or undefined. */
export function parseWholeNumber(token: string): number | undefined {
  if (!/^\d{1,12}$/.test(token)) return undefined;
  return Number(token);
}

/**
 * `112` → VMID, `5` or `base:5` → base id (node-specific scheme), `ubuntu-24` → name.
 * Returns an error line (without the example) when the token is none of these.
 */
export function parseTemplateRef(token: string): TemplateRef | { error: string } {
  const base = /^base:(.*)$/i.exec(token);
  if (base) {
    const n = parseWholeNumber(base[1] ?? '');
    if (n === undefined) {
      return {
        error: `'${showToken(token)}' is not a base id: write base:N with N from 0 to 99 (e.g. base:5)`,
      };
    }
    if (n > 99) {
      return {
        error: `base id must be 0–99 (got ${n}): the node-specific scheme 9000 + node_id*100 + base has 100 slots per node`,
      };
    }
    return { kind: 'base', base: n };
  }
  const n = parseWholeNumber(token);
  if (n !== undefined) {
    if (n <= 99) return { kind: 'base', base: n };
    if (n > MAX_VMID) {
      return {
        error: `VMID must be from ${MIN_VMID} to ${MAX_VMID} (got ${showToken(token)}): give the template's VMID, e.g. 112`,
      };
    }
    return { kind: 'vmid', vmid: n };
  }
  if (/^[+-]?\d[\d.eE+-]*$/.test(token)) {
    return {
      error: `'${showToken(token)}' is not a template VMID: use a whole number like 112, or a base id 0–99`,
    };
  }
  if (!isValidDnsName(token)) {
    return {
      error: `'${showToken(token)}' is not a template: give its VMID (112), a base id (5 or base:5) or its name (ubuntu-24)`,
    };
  }
  return { kind: 'name', name: token };
}

/** A template reference as typed: `112`, `base:5`, `ubuntu-24` (round-trips through parseTemplateRef). */
export function formatTemplateRef(ref: TemplateRef): string {
  switch (ref.kind) {
    case 'vmid':
      return String(ref.vmid);
    case 'base':
      return `base:${ref.base}`;
    case 'name':
      return ref.name;
  }
}
