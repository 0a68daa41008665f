import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.ts';
import { scaledClock } from '../../src/clock.ts';
import { type ProxmoxSim, startProxmoxSim } from '../../src/sim/proxmox/index.ts';
import { type CliRun as Run, runCliProcess } from './cli-process.ts';

let sim: ProxmoxSim;
let dir: string;
let env: Record<string, string>;

/** Runs `pve-clonebot …` as a child process, with the simulator's environment unless told otherwise. */
const cli = (args: string[], extraEnv: Record<string, string> = env): Promise<Run> =>
  runCliProcess(args, extraEnv);

const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '');

beforeAll(async () => {
  // The CLI runs on real time; the simulated cluster runs 20x faster with a fast copy, so a clone
  // takes a fraction of a second (the CLI polls every PROGRESS_INTERVAL_SECONDS at most).
  sim = await startProxmoxSim({ clock: scaledClock(20), copyBytesPerSecond: 16 * 1024 ** 3 });
  dir = await mkdtemp(join(tmpdir(), 'clonebot-cli-'));
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, sim.caPem);
  env = {
    PROXMOX_URL: sim.url,
    PROXMOX_TOKEN_ID: sim.token.id,
    PROXMOX_TOKEN_SECRET: sim.token.secret,
    PROXMOX_CA_FILE: caFile,
    PROGRESS_INTERVAL_SECONDS: '1',
    LOG_LEVEL: 'warn',
  };
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in this process (same code as the binary, minus process start-up) for pure input errors. */
async function cliInProcess(args: string[], envFor: Record<string, string> = env): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    env: envFor,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    signal: new AbortController().signal,
  });
  return { code, stdout: out.map((l) => `${l}\n`).join(''), stderr: err.map((l) => `${l}\n`).join('') };
}

/** Exit 2, nothing on stdout; on stderr the why and, when the cluster refused the request, its first advice. */
function expectInputError(run: Run, line: RegExp, args: string, advice?: string) {
  expect({ args, code: run.code, stdout: run.stdout }).toEqual({ args, code: 2, stdout: '' });
  expect(lines(run.stderr), args).toHaveLength(advice === undefined ? 1 : 2);
  expect(lines(run.stderr)[0]).toMatch(line);
  if (advice !== undefined) expect(lines(run.stderr)[1], args).toBe(`  ${advice}`);
}

describe('pve-clonebot clone', () => {
  it('bad input gets one clear line each (and the advice when the cluster refused it), exit 2, nothing created', async () => {
    const vmsBefore = sim.vms().length;
    // Child processes for what needs the cluster (and one pure input error), run side by side.
    const spawned: [string, RegExp, string?][] = [
      [
        '112 as test-clone on pve9',
        /^Node pve9 is not in the cluster \(nodes: pve1, pve2, pve3\)$/,
        "use one of the cluster's node names",
      ],
      [
        '100 as test-clone on pve1',
        /^VM 100 on pve1 is not a template$/,
        'give the VMID of a template; convert a VM with qm template only if that is intended',
      ],
      [
        '112 as web-01 on pve1',
        /^A VM named web-01 already exists \(VMID 100 on pve1\)$/,
        'pick another name, or delete the old VM first if it is no longer needed',
      ],
      ['112 as test_clone on pve1', /^'test_clone' is not a valid VM name: .*\(e\.g\. test-clone\)$/],
    ];
    const inProcess: [string, RegExp][] = [
      ['base:100 as test-clone on pve1', /^base id must be 0–99 \(got 100\)/],
      ['112 test-clone on pve1', /^Missing 'as <name>': type pve-clonebot clone 112 as test-clone on pve1$/],
    ];
    const [runs, failed] = await Promise.all([
      Promise.all(spawned.map(([args]) => cli(['clone', ...args.split(' ')]))),
      cli(['clone', '113', 'as', 'from-broken', 'on', 'pve1']),
    ]);
    runs.forEach((run, i) => {
      const [args, line, advice] = spawned[i] as [string, RegExp, string?];
      expectInputError(run, line, args, advice);
    });
    for (const [args, line] of inProcess)
      expectInputError(await cliInProcess(['clone', ...args.split(' ')]), line, args);
    // A broken template is a diagnosed failure (exit 1): the why first, then details, then advice.
    expect(failed.code).toBe(1);
    const out = lines(failed.stdout);
    const first = out.findIndex((l) => l.startsWith('Clone failed:'));
    expect(out[first]).toBe('Clone failed: Template 113 is missing boot disk - template may be corrupted');
    expect(out.slice(first).join('\n')).toMatch(
      /template check: .*unused0[\s\S]*What to do:\n {2}- move the disk/,
    );
    expect(sim.requests.count('POST', /\/clone$/)).toBe(0);
    expect(sim.vms().length).toBe(vmsBefore);
  });

  it('a missing or bad variable prints the configuration error, exit 2; no Slack variable is needed', async () => {
    const run = await cliInProcess(['clone', '112', 'as', 'x', 'on', 'pve1'], { PROXMOX_URL: 'http://pve1' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^Configuration error:\n {2}- PROXMOX_URL must use https:\/\//);
    expect(run.stderr).not.toMatch(/SLACK/);
  });

  it('a pool that does not exist fails when the clone starts: the pool named, what to do, nothing created', async () => {
    const vmsBefore = sim.vms().length;
    const run = await cli(['clone', '112', 'as', 'pool-clone', 'on', 'pve1', 'pool', 'nope']);
    expect(run.code).toBe(1);
    const out = lines(run.stdout);
    const first = out.findIndex((l) => l.startsWith('Clone failed:'));
    expect(out.slice(first)).toEqual([
      'Clone failed: Pool nope does not exist in this cluster',
      '  reason: invalid-request',
      'What to do:',
      '  - pick an existing pool (Datacenter → Permissions → Pools) or leave out `pool`; nothing was created',
    ]);
    expect(sim.vms().length).toBe(vmsBefore);
  });

  it('clones, prints progress lines and the result, exit 0; without LOG_LEVEL no log line repeats them', async () => {
    const { LOG_LEVEL: _set, ...noLogLevel } = env;
    const args = ['clone', '112', 'as', 'cli-clone', 'on', 'pve1', 'full', 'storage', 'local-lvm'];
    const postsBefore = sim.requests.count('POST', '/nodes/pve1/qemu/112/clone');
    // The two run side by side: the second names its VMID, so they never race for the same nextid.
    const [run, verbose] = await Promise.all([
      cli(args, noLogLevel),
      cli(['clone', '112', 'as', 'cli-verbose', 'on', 'pve1', 'vmid', '150'], {
        ...noLogLevel,
        LOG_LEVEL: 'info',
      }),
    ]);
    // An explicit LOG_LEVEL is honoured: the same progress then also goes to stderr as pino JSON.
    expect(verbose.code).toBe(0);
    expect(verbose.stderr).toMatch(/"level":30/);
    // Only the audit line of the clone's owner record (audit lines are written at the default level).
    const logged = lines(run.stderr).map((l) => JSON.parse(l));
    expect(logged).toEqual([expect.objectContaining({ audit: true, level: 30, owner: 'cli:unknown' })]);
    expect(logged[0].msg).toMatch(/^VM \d+: owner record written$/);
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out[0]).toBe('Verifying template 112 on pve1...');
    expect(out).toContain('Allocating a VMID...');
    const result = out.find((l) => l.startsWith('Cloned template 112 to VM'));
    expect(result).toMatch(
      /^Cloned template 112 to VM (\d+) \(cli-clone\) on pve1 in \d+s: full clone, boot disk scsi0, storage local-lvm$/,
    );
    const vmid = Number(/VM (\d+)/.exec(result ?? '')?.[1]);
    expect(sim.vm(vmid)?.config.name).toBe('cli-clone');
    // One POST per clone: neither run sent its clone twice.
    expect(sim.requests.count('POST', '/nodes/pve1/qemu/112/clone')).toBe(postsBefore + 2);
  });

  it('help lists the commands', async () => {
    const run = await cliInProcess(['help'], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/pve-clonebot clone <template> as <name> on <node>/);
    expect(run.stdout).toMatch(/pve-clonebot sim proxmox/);
    // The lifecycle commands' own variables are named too.
    for (const name of [
      'CLONE_POLICY_FILE',
      'CLONEBOT_OWNER',
      'CLONEBOT_SSH_PUBLIC_KEY_FILE',
      'SLACK_BOT_TOKEN',
    ])
      expect(run.stdout).toContain(name);
  });
});
