import { describe, expect, it } from 'vitest';
import {
  CLONE_USAGE,
  cloneUsage,
  formatCloneRequest,
  parseCloneCommand,
} from '../../src/core/parse-clone-command.ts';

const ok = (text: string) => {
  const r = parseCloneCommand(text);
  if (!r.ok) throw new Error(`expected ok for '${text}', got: ${r.error}`);
  return r.request;
};
const err = (text: string, command?: string) => {
  const r = command === undefined ? parseCloneCommand(text) : parseCloneCommand(text, { command });
  if (r.ok) throw new Error(`expected an error for '${text}'`);
  expect(r.error).not.toContain('\n');
  expect(r.hint).toContain('<template> as <name> on <node>');
  return r.error;
};

describe('parseCloneCommand', () => {
  it('parses the minimal form as a full clone of a VMID', () => {
    expect(ok('112 as test-clone on pve1')).toEqual({
      template: { kind: 'vmid', vmid: 112 },
      name: 'test-clone',
      node: 'pve1',
      mode: 'full',
    });
  });

  it('reads 0–99 and base:N as base ids and other words as template names', () => {
    expect(ok('5 as a on pve1').template).toEqual({ kind: 'base', base: 5 });
    expect(ok('0 as a on pve1').template).toEqual({ kind: 'base', base: 0 });
    expect(ok('99 as a on pve1').template).toEqual({ kind: 'base', base: 99 });
    expect(ok('100 as a on pve1').template).toEqual({ kind: 'vmid', vmid: 100 });
    expect(ok('BASE:7 as a on pve1').template).toEqual({ kind: 'base', base: 7 });
    expect(ok('ubuntu-24.04 as a on pve1').template).toEqual({ kind: 'name', name: 'ubuntu-24.04' });
  });

  it('takes options in any order, with case-insensitive keywords and extra spaces', () => {
    const r = ok('  9105  AS web-1.lab On pve2 vmid 250 POOL lab STORAGE ceph-rbd Target pve3 FULL ');
    expect(r).toEqual({
      template: { kind: 'vmid', vmid: 9105 },
      name: 'web-1.lab',
      node: 'pve2',
      mode: 'full',
      vmid: 250,
      pool: 'lab',
      storage: 'ceph-rbd',
      target: 'pve3',
    });
    expect(ok('112 as x on pve1 linked pool a/b').mode).toBe('linked');
  });

  it('explains a missing as, with the user values in the example', () => {
    expect(err('112 test-clone on pve1')).toBe("Missing 'as <name>': type /clone 112 as test-clone on pve1");
    expect(err('112')).toBe("Missing 'as <name>': type /clone 112 as test-clone on pve1");
    expect(err('9105 web on pve2')).toBe("Missing 'as <name>': type /clone 9105 as web on pve2");
    expect(err('112 test-clone on pve1', 'pve-clonebot clone')).toBe(
      "Missing 'as <name>': type pve-clonebot clone 112 as test-clone on pve1",
    );
  });

  it('refuses names that are not DNS names, suggesting one', () => {
    expect(err('112 as Test_VM on pve1')).toBe(
      "'Test_VM' is not a valid VM name: use letters, digits and hyphens (e.g. test-vm)",
    );
    expect(err('112 as -web on pve1')).toContain("'-web' is not a valid VM name");
    expect(err('112 as web- on pve1')).toContain('(e.g. web)');
    expect(err('112 as a..b on pve1')).toContain('not a valid VM name');
    expect(err(`112 as ${'a'.repeat(64)} on pve1`)).toContain('not a valid VM name');
    expect(ok(`112 as ${'a'.repeat(63)} on pve1`).name).toHaveLength(63);
    expect(err('112 as wéb on pve1')).toContain('not a valid VM name');
  });

  it('refuses base ids of 100 and more with the scheme explained', () => {
    expect(err('base:100 as a on pve1')).toBe(
      'base id must be 0–99 (got 100): the node-specific scheme 9000 + node_id*100 + base has 100 slots per node',
    );
    expect(err('base:x as a on pve1')).toContain("'base:x' is not a base id");
    expect(err('base 5 as a on pve1')).toContain('base:5 (no space)');
  });

  it('refuses VMIDs out of range and malformed numbers', () => {
    expect(err('1000000000 as a on pve1')).toContain('VMID must be from 100 to 999999999');
    expect(err('-5 as a on pve1')).toContain("'-5' is not a template VMID");
    expect(err('1e3 as a on pve1')).toContain("'1e3' is not a template VMID");
    expect(err('112 as a on pve1 vmid 99')).toBe(
      "vmid must be a whole number from 100 to 999999999 (got '99')",
    );
    expect(err('112 as a on pve1 vmid 1000000000')).toContain("(got '1000000000')");
    expect(err('112 as a on pve1 vmid 2.5')).toContain("(got '2.5')");
    expect(ok('112 as a on pve1 vmid 999999999').vmid).toBe(999_999_999);
  });

  it('names unknown, duplicate and conflicting options', () => {
    expect(err('112 as a on pve1 fast')).toBe(
      "Unknown option 'fast'; options are full, linked, storage S, pool P, vmid N, target T, start, nostart, user U, sshkey, ip dhcp / ip A/N gw G, for 3d, until YYYY-MM-DD",
    );
    expect(err('112 as a on pve1 pool x pool y')).toBe("'pool' is given twice: give each option once");
    expect(err('112 as a on pve1 full FULL')).toBe("'full' is given twice: give each option once");
    expect(err('112 as a on pve1 full linked')).toBe("Choose 'full' or 'linked', not both");
    expect(err('112 as a on pve1 storage')).toBe("'storage' needs a value: e.g. storage local-lvm");
    expect(err('112 as a on pve1 storage pool x')).toContain("'storage' needs a value before 'pool'");
  });

  it('refuses storage with linked in either order, before anything reaches Proxmox', () => {
    for (const text of [
      '112 as a on pve1 linked storage local-lvm',
      '112 as a on pve1 storage local-lvm linked',
    ]) {
      expect(err(text)).toContain("'storage' is not allowed for linked clones");
    }
  });

  it('checks node, target, storage and pool formats', () => {
    expect(err('112 as a on pve_1')).toBe(
      "'pve_1' is not a valid node name: use the Proxmox node's name, e.g. pve1",
    );
    expect(err('112 as a on pve1.example.com')).toContain('not a valid node name');
    expect(err('112 as a on pve1 target pve/2')).toContain('not a valid target node name');
    expect(err('112 as a on pve1 storage 1abc')).toContain('not a valid storage id');
    expect(err('112 as a on pve1 pool a/b/c/d')).toContain('not a valid pool id');
  });

  it('explains missing pieces and misplaced options', () => {
    expect(err('')).toBe('Missing clone request: type /clone 112 as test-clone on pve1');
    expect(err('as a on pve1')).toContain("Missing template before 'as'");
    expect(err('112 as')).toContain("Missing the new VM's name after 'as'");
    expect(err('112 as on pve1')).toContain("Missing the new VM's name after 'as'");
    expect(err('112 as web')).toBe("Missing 'on <node>': type /clone 112 as web on pve1");
    expect(err('112 as web full on pve1')).toBe(
      "Options go after 'on <node>': type /clone 112 as web on pve1 full on pve1",
    );
    expect(err('112 as web on')).toBe("Missing the node after 'on': type /clone 112 as web on pve1");
  });

  it('keeps hostile input out of the error line', () => {
    const e = err('112 as a on pve1 \u0007bell');
    expect(e).toContain("'?bell'");
    expect(err(`112 as a on pve1 ${'x'.repeat(200)}`)).toContain('…');
    expect(err('x'.repeat(600))).toContain('too long (600 characters)');
    expect(err('<!channel> as a on pve1')).toContain('is not a template');
  });

  it('formats a request so that it parses back to itself', () => {
    const requests = [
      '112 as test-clone on pve1',
      'base:5 as a on pve2 linked pool lab',
      'ubuntu as web.lab on pve1 full storage local-lvm pool p vmid 300 target pve2',
    ];
    for (const text of requests) {
      const r = ok(text);
      expect(ok(formatCloneRequest(r))).toEqual(r);
    }
    expect(formatCloneRequest(ok('5 as a on pve1'))).toBe('base:5 as a on pve1 full');
  });

  it('exports the usage line', () => {
    expect(CLONE_USAGE).toBe(
      '/clone <template> as <name> on <node> [full|linked] [storage S] [pool P] [vmid N] [target T] [start|nostart] [user U] [sshkey] [ip dhcp|ip A/N gw G] [for 3d|until YYYY-MM-DD]',
    );
    expect(cloneUsage('pve-clonebot clone')).toMatch(/^pve-clonebot clone <template>/);
  });
});
