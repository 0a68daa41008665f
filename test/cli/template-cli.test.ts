import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../../src/cli/run-cli.ts';
import { scaledClock } from '../../src/clock.ts';
import { type ProxmoxSim, startProxmoxSim } from '../../src/sim/proxmox/index.ts';

let sim: ProxmoxSim;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  // The CLI runs on real time; the cluster 20x faster with a fast copy, so a repair takes seconds.
  sim = await startProxmoxSim({ clock: scaledClock(20), copyBytesPerSecond: 16 * 1024 ** 3, authDelayMs: 0 });
  dir = await mkdtemp(join(tmpdir(), 'clonebot-template-cli-'));
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, sim.caPem);
  env = {
    PROXMOX_URL: sim.url,
    PROXMOX_TOKEN_ID: sim.token.id,
    PROXMOX_TOKEN_SECRET: sim.token.secret,
    PROXMOX_CA_FILE: caFile,
    PROGRESS_INTERVAL_SECONDS: '1',
    LOG_LEVEL: 'silent',
  };
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    env,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    signal: new AbortController().signal,
  });
  return { code, out, err };
}

describe('pve-clonebot template', () => {
  test('bad input: exit 2 with what was wrong', async () => {
    expect(await cli(['template', 'repair', 'x', '--node', 'pve2'])).toMatchObject({
      code: 2,
      err: [expect.stringMatching(/^'x' is not a base id: a base is a number from 0 to 99/)],
    });
    expect((await cli(['template', 'repair', '5'])).err[0]).toMatch(/^Which node\? Add --node <node>/);
    expect((await cli(['template', 'fix', '5'])).err[0]).toMatch(/^Unknown template action 'fix'/);
    const unknown = await cli(['template', 'repair', '7', '--node', 'pve2']);
    expect(unknown).toMatchObject({ code: 2, out: [] });
    expect(unknown.err[0]).toBe(
      'base 7 is unknown: no node has a template copy of it (VMIDs 9000 + node id*100 + 7)',
    );
    const node = await cli(['template', 'repair', '0', '--node', 'pve9', '--dry-run']);
    expect(node.err[0]).toBe('node pve9 is not in the cluster (nodes: pve1, pve2, pve3)');
    // The demo's two base-5 copies differ in disk size with no majority: neither is healthy.
    const none = await cli(['template', 'repair', '5', '--node', 'pve3']);
    expect(none.code).toBe(2);
    expect(none.err[0]).toBe('base 5 has no healthy copy to repair from');
    expect(none.err.slice(1)).toEqual([
      expect.stringMatching(/^ {2}template 9105 on pve1 fails copy-drift-disk-size: /),
      expect.stringMatching(/^ {2}template 9205 on pve2 fails copy-drift-disk-size: /),
    ]);
    expect(sim.requests.count('POST', /./)).toBe(0);
  });

  test('a healthy copy: nothing to do, exit 0; an offline node: exit 2', async () => {
    const ok = await cli(['template', 'repair', '0', '--node', 'pve2']);
    expect(ok).toMatchObject({ code: 0, out: ['template 9200 on pve2 is healthy: nothing to repair'] });
    sim.faults.nodeOffline('pve3');
    try {
      const off = await cli(['template', 'repair', '0', '--node', 'pve3']);
      expect(off).toMatchObject({ code: 2, err: ['node pve3 is offline: a copy cannot be made there now'] });
    } finally {
      sim.faults.nodeOnline('pve3');
    }
  });

  test('a broken copy: the plan asks for --replace naming its VMID; with it the copy is rebuilt', async () => {
    sim.faults.removeBootDisk(9200);
    const asked = await cli(['template', 'repair', '0', '--node', 'pve2']);
    expect(asked.code).toBe(2);
    expect(asked.err[0]).toMatch(
      /^template 9200 on pve2 exists \(broken or drifted\): it is destroyed and replaced only when an approver confirms VMID 9200$/,
    );
    const dry = await cli(['template', 'repair', '0', '--node', 'pve2', '--replace', '9200', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('step 1/3: destroy the broken copy 9200 on pve2 (confirmed by an approver)');
    expect(dry.out.at(-1)).toBe('dry run: nothing was changed');
    expect(sim.vm(9200)?.config).not.toHaveProperty('scsi0');
    const run = await cli(['template', 'repair', '0', '--node', 'pve2', '--replace', '9200']);
    expect(run.err).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.out.at(-1)).toMatch(/^Repaired: template 9200 on pve2 \(base 0, boot disk scsi0\) in /);
    expect(run.out.some((l) => l.startsWith('step 2/3: full clone of template 9'))).toBe(true);
    expect(sim.vm(9200)).toMatchObject({ node: 'pve2', config: { template: 1 } });
    expect(sim.vm(9200)?.config.scsi0).toMatch(/^ceph:base-9200-disk-\d,/);
  }, 60_000);

  test('sync makes the copy a new node lacks', async () => {
    sim.addNode({ name: 'pve4', nodeid: 4, ip: '10.0.0.14' });
    const r = await cli(['template', 'sync', '0']);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out.at(-1)).toBe('Base 0: 1 copy made, 0 failed, 0 skipped (at most 1 at once)');
    expect(sim.vm(9400)).toMatchObject({ node: 'pve4', config: { template: 1 } });
    expect(await cli(['template', 'sync', '0'])).toMatchObject({
      code: 0,
      out: ['Base 0: every online node has its copy; nothing to do'],
    });
  }, 60_000);
});
