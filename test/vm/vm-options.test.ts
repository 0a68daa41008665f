import { describe, expect, test } from 'vitest';
import { parseIpSetting } from '../../src/core/ip-setting.ts';
import { formatCloneRequest, parseCloneCommand } from '../../src/core/parse-clone-command.ts';
import { applyPolicy } from '../../src/core/template-policy.ts';
import { checkSshPublicKey, encodeSshKeys } from '../../src/core/ssh-public-key.ts';
import { checkOurs, ownerTag, parseVmDescription, vmDescription, vmTags } from '../../src/core/vm-record.ts';
import { ed25519PublicKey } from './ssh-key-fixture.ts';

const NOW = Date.parse('2026-12-06T19:00:00Z');
const parse = (text: string) => parseCloneCommand(text, { now: NOW });
const error = (text: string) => {
  const r = parse(text);
  if (r.ok) throw new Error(`parsed: ${text}`);
  return r.error;
};

describe('VM options on the command', () => {
  test("nostart overrides a template's start default; start and nostart together is refused", () => {
    const r = parse('112 as web1 on pve1 nostart for 3d');
    expect(r.ok && r.request.setup).toEqual({ start: false, lease: { kind: 'for', ms: 3 * 86_400_000 } });
    expect(r.ok && formatCloneRequest(r.request)).toBe('112 as web1 on pve1 full nostart for 3d');
    const policy = { start: true, cloudInit: { user: 'ops' } };
    const applied = r.ok ? applyPolicy(r.request, policy, NOW) : undefined;
    expect(applied).not.toHaveProperty('setup.start');
    expect(applied).toHaveProperty('setup.ciUser', 'ops');
    expect(error('112 as web1 on pve1 start nostart')).toBe("Give 'start' or 'nostart', not both");
    expect(error('112 as web1 on pve1 nostart now')).toContain("'nostart' takes no value");
  });

  test('start, user, sshkey, ip, for / until parse into the setup and echo back as typed', () => {
    const r = parse('112 as web1 on pve1 start user alice sshkey ip 10.0.0.5/24 gw 10.0.0.1 for 3d');
    expect(r.ok && r.request.setup).toEqual({
      start: true,
      ciUser: 'alice',
      sshKey: true,
      ip: { kind: 'static', address: '10.0.0.5', prefix: 24, gateway: '10.0.0.1' },
      lease: { kind: 'for', ms: 3 * 86_400_000 },
    });
    const until = parse('112 as web1 on pve1 ip dhcp until 2026-12-20 linked');
    expect(until.ok && until.request).toMatchObject({
      mode: 'linked',
      setup: { ip: { kind: 'dhcp' }, lease: { kind: 'until', at: Date.parse('2026-12-20T00:00:00Z') } },
    });
    expect(parse('112 as web1 on pve1 for 2 weeks').ok).toBe(true);
    expect(
      parse('112 as web1 on pve1').ok && (parse('112 as web1 on pve1') as { request: object }).request,
    ).not.toHaveProperty('setup');
  });

  test('bad input: each gets a specific answer before anything is created', () => {
    expect(error('112 as web1 on pve1 for 3 weeks')).toBe(
      "A lease of 21d is longer than the maximum of 14d: ask for at most 'for 14d' (an approver can extend it later)",
    );
    expect(error('112 as web1 on pve1 for -1d')).toBe(
      'A lease must be a positive duration (got -1d): e.g. for 3d',
    );
    expect(error('112 as web1 on pve1 for ever')).toBe(
      "'ever' is not a duration: write a number and a unit (m, h, d, w), e.g. for 3d",
    );
    expect(error('112 as web1 on pve1 until yesterday')).toBe(
      "'yesterday' is not a date: write until YYYY-MM-DD (e.g. until 2027-01-15) or a time like 2027-01-15T18:00Z",
    );
    expect(error('112 as web1 on pve1 until 2026-01-15')).toBe(
      '2026-01-15 00:00 UTC is in the past: give a future date, e.g. until 2026-12-13',
    );
    expect(error('112 as web1 on pve1 until 2026-02-31')).toContain("'2026-02-31' is not a date");
    expect(error('112 as web1 on pve1 for 3d until 2026-12-20')).toBe(
      "Give one lease: 'for <duration>' or 'until <date>', not both",
    );
    expect(error('112 as web1 on pve1 ip 10.0.0.5')).toBe(
      "'10.0.0.5' needs a prefix length (the subnet size): e.g. ip 10.0.0.5/24",
    );
    expect(error('112 as web1 on pve1 ip 10.0.0.5/24 gw 10.0.1.1')).toBe(
      'The gateway 10.0.1.1 is outside 10.0.0.5/24: the guest could not reach it; give a gateway inside the subnet',
    );
    expect(error('112 as web1 on pve1 ip dhcp gw 10.0.0.1')).toBe(
      "'gw' does not go with 'ip dhcp' (DHCP gives the gateway): drop 'gw 10.0.0.1'",
    );
    expect(error('112 as web1 on pve1 ip 10.0.0.0/24')).toContain('is the network address');
    expect(error('112 as web1 on pve1 ip 300.0.0.1/24')).toContain('is not an IPv4 address');
    expect(error('112 as web1 on pve1 user Alice!')).toContain('is not a user name cloud-init can create');
    expect(error('112 as web1 on pve1 user root')).toBe(
      "'root' is a system account: pick your own user name, e.g. user alice",
    );
    expect(error('112 as web1 on pve1 user')).toBe("'user' needs a name: e.g. user alice");
    expect(error('112 as web1 on pve1 sshkey ssh-ed25519 AAAA')).toContain("'sshkey' takes no value");
    expect(error('112 as web1 on pve1 start now')).toBe("'start' takes no value: 'now' is not an option");
    expect(error('112 as web1 on pve1 start start')).toBe("'start' is given twice: give each option once");
  });
});

describe('IP settings', () => {
  test('a /32 and a gateway equal to the address', () => {
    expect(parseIpSetting('10.0.0.5/32')).toEqual({ kind: 'static', address: '10.0.0.5', prefix: 32 });
    expect(parseIpSetting('10.0.0.5/24', '10.0.0.5')).toEqual({
      error: "The gateway 10.0.0.5 is the VM's own address: give the router's address",
    });
  });
});

describe('OpenSSH public keys', () => {
  test('a real ed25519 key passes, normalised; encodeSshKeys URL-encodes one per line', () => {
    const key = ed25519PublicKey();
    const r = checkSshPublicKey(`  ${key.replace(' ', '   ')}  `);
    expect(r).toEqual({ ok: true, key, type: 'ssh-ed25519', comment: 'alice@laptop' });
    expect(encodeSshKeys([key])).toBe(encodeURIComponent(`${key}\n`));
    expect(encodeSshKeys([key])).toMatch(/^[-%a-zA-Z0-9_.!~*'()]*$/);
  });

  test('malformed keys get specific answers', () => {
    const key = ed25519PublicKey();
    const [type, data] = key.split(' ') as [string, string];
    expect(checkSshPublicKey('').ok).toBe(false);
    expect(checkSshPublicKey('-----BEGIN OPENSSH PRIVATE KEY----- b3Blbn').ok && 'accepted').toBe(false);
    expect((checkSshPublicKey('-----BEGIN OPENSSH PRIVATE KEY-----') as { error: string }).error).toContain(
      'private',
    );
    expect((checkSshPublicKey(`ssh-dss ${data}`) as { error: string }).error).toContain('DSA');
    expect((checkSshPublicKey(`ssh-foo ${data}`) as { error: string }).error).toContain(
      'not an OpenSSH public key type',
    );
    expect((checkSshPublicKey(`${type} ${data.slice(0, 20)}!!`) as { error: string }).error).toContain(
      'not valid base64',
    );
    expect((checkSshPublicKey(`ssh-rsa ${data}`) as { error: string }).error).toContain(
      'does not hold an ssh-rsa key',
    );
    expect((checkSshPublicKey(`${type} ${data.slice(0, 40)}`) as { error: string }).error).toMatch(
      /base64|length|does not hold/,
    );
  });
});

describe('the VM is the record: tags and description', () => {
  const o = {
    requestId: 'cr-abcd2345',
    ownerId: 'U123',
    ownerName: 'Alice Smith (Ops)',
    approverId: 'U999',
    template: '112',
    expiresAt: Date.parse('2026-12-09T19:00:00Z'),
  };

  test('owner tags are sanitised to what Proxmox allows; the description reads back', () => {
    expect(ownerTag({ ownerId: 'U1', ownerName: 'Zoë O’Brien' })).toBe('owner-zo-o-brien');
    expect(ownerTag({ ownerId: 'U1', ownerName: '--.x' })).toBe('owner-x');
    expect(ownerTag({ ownerId: 'U1ABC', ownerName: '日本' })).toBe('owner-u1abc');
    expect(vmTags(o)).toBe('clonebot;owner-alice-smith-ops');
    const description = vmDescription(o);
    expect(description).toContain('clonebot-request: cr-abcd2345');
    expect(description).toContain('clonebot-expires: 2026-12-09T19:00:00.000Z');
    expect(parseVmDescription(description)).toEqual({ ...o, ownerName: 'Alice Smith Ops' });
    expect(parseVmDescription('some notes')).toBeUndefined();
  });

  test('ours only when tags and description agree; templates and strangers are never ours', () => {
    const config = { tags: vmTags(o), description: vmDescription(o) };
    expect(checkOurs(config).ok).toBe(true);
    expect(checkOurs({ ...config, template: 1 })).toEqual({ ok: false, why: { kind: 'template' } });
    expect(checkOurs({ description: config.description })).toEqual({ ok: false, why: { kind: 'no-tag' } });
    expect(checkOurs({ tags: 'clonebot' })).toEqual({ ok: false, why: { kind: 'no-record' } });
    expect(checkOurs({ ...config, tags: 'clonebot;owner-bob' })).toMatchObject({
      ok: false,
      why: { kind: 'mismatch' },
    });
  });
});
