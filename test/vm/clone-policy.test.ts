import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { checkQuota } from '../../src/core/quota.ts';
import { applyPolicy, policyFor } from '../../src/core/template-policy.ts';

const DAY = 86_400_000;
const req = {
  template: { kind: 'vmid' as const, vmid: 112 },
  name: 'web1',
  node: 'pve1',
  mode: 'full' as const,
};

async function file(name: string, text: string) {
  const dir = await mkdtemp(join(tmpdir(), 'policy-'));
  await writeFile(join(dir, name), text);
  return join(dir, name);
}
const load = (path: string) => loadConfig({ CLONE_POLICY_FILE: path }, ['clone']).clone.policy;

describe('CLONE_POLICY_FILE', () => {
  test('YAML and JSON are read and checked at start; per template over the defaults', async () => {
    const yaml = await file(
      'p.yaml',
      'defaults:\n  lease: { default: 3d, max: 14d }\n  quota: { vms: 2 }\ntemplates:\n  "112":\n    approval: false\n    start: true\n    lease: { max: 30d }\n    cloudInit: { user: ubuntu, ip: dhcp }\n',
    );
    const p = load(yaml);
    const eff = policyFor(p, { vmid: 112 });
    expect(eff).toMatchObject({
      approval: false,
      start: true,
      lease: { defaultMs: 3 * DAY, maxMs: 30 * DAY },
      quota: { vms: 2 },
    });
    const json = await file('p.json', JSON.stringify({ templates: { 'ubuntu-24': { approval: true } } }));
    expect(policyFor(load(json), { vmid: 9, name: 'ubuntu-24' }).approval).toBe(true);
    expect(load('')).toBeUndefined();
    const applied = applyPolicy(req, eff, 0);
    expect(applied).toMatchObject({
      setup: { start: true, ciUser: 'ubuntu', ip: { kind: 'dhcp' }, lease: { kind: 'for', ms: 3 * DAY } },
    });
    expect(applyPolicy({ ...req, setup: { lease: { kind: 'for', ms: 40 * DAY } } }, eff, 0)).toEqual({
      error:
        "A lease of 40d is longer than the maximum of 30d: ask for at most 'for 30d' (an approver can extend it later) (this template's maximum lease is 30d)",
    });
  });

  test('a bad file stops the start with every problem named', async () => {
    const bad = await file(
      'bad.yaml',
      'defaults:\n  lease: { default: soon }\n  colour: red\ntemplates:\n  "112": { cloudInit: { user: Root! } }\n',
    );
    expect(() => load(bad)).toThrow(ConfigError);
    try {
      load(bad);
    } catch (e) {
      expect((e as Error).message).toContain('defaults');
      expect((e as Error).message).toMatch(/colour|Unrecognized/);
    }
    const user = await file('u.yaml', 'templates:\n  "112": { cloudInit: { user: "Root!" } }\n');
    expect(() => load(user)).toThrow(/templates\.112\.cloudInit\.user/);
    expect(() => load('/nonexistent/policy.yaml')).toThrow(/cannot read/);
    const broken = await file('b.json', '{ nope');
    expect(() => load(broken)).toThrow(/not valid JSON/);
  });

  test('quota: refused with the current use shown', () => {
    const GiB = 1024 ** 3;
    expect(checkQuota({ quota: { vms: 2 } }, { vms: 2, diskBytes: 64 * GiB }, 32 * GiB)).toBe(
      'Quota: you have 2 VMs using 64 GiB, and the limit is 2 VMs: delete one first (/clone list, /clone delete <vm>)',
    );
    expect(checkQuota({ quota: { diskGiB: 80 } }, { vms: 1, diskBytes: 64 * GiB }, 32 * GiB)).toContain(
      'past the limit of 80 GiB',
    );
    expect(
      checkQuota({ quota: { vms: 3, diskGiB: 100 } }, { vms: 1, diskBytes: 32 * GiB }, 32 * GiB),
    ).toBeUndefined();
  });
});
