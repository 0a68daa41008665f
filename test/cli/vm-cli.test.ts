import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.ts';
import { scaledClock } from '../../src/clock.ts';
import { vmDescription, vmTags } from '../../src/core/vm-record.ts';
import { type ProxmoxSim, startProxmoxSim } from '../../src/sim/proxmox/index.ts';
import { type SlackSim, startSlackSim } from '../../src/sim/slack/index.ts';
import { ed25519PublicKey } from '../vm/ssh-key-fixture.ts';
import { deleteKeys } from '../requests/redis-fixture.ts';
import { runCliProcess } from './cli-process.ts';

/**
 * The CLI's Redis for the lease-sweep tests: its keys have no test prefix (it is the bot's own), so a database of
 * their own keeps them from other test files.
 */
const SWEEP_REDIS = 'redis://127.0.0.1:6379/13';

let sim: ProxmoxSim;
let slack: SlackSim;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  // The CLI runs on real time; the cluster 20x faster, and its guest agents answer as soon as the VM runs.
  sim = await startProxmoxSim({
    clock: scaledClock(20),
    copyBytesPerSecond: 16 * 1024 ** 3,
    agentStartMs: 0,
  });
  slack = await startSlackSim();
  dir = await mkdtemp(join(tmpdir(), 'clonebot-vmcli-'));
  await writeFile(join(dir, 'ca.pem'), sim.caPem);
  await writeFile(join(dir, 'id.pub'), `${ed25519PublicKey('ops@host')}\n`);
  env = {
    PROXMOX_URL: sim.url,
    PROXMOX_TOKEN_ID: sim.token.id,
    PROXMOX_TOKEN_SECRET: sim.token.secret,
    PROXMOX_CA_FILE: join(dir, 'ca.pem'),
    PROGRESS_INTERVAL_SECONDS: '1',
    LOG_LEVEL: 'silent',
    CLONEBOT_OWNER: 'cli:ops',
    CLONEBOT_SSH_PUBLIC_KEY_FILE: join(dir, 'id.pub'),
  };
});
afterAll(async () => {
  await sim.close();
  await slack.close();
  await rm(dir, { recursive: true, force: true });
});

/** The test's environment without LOG_LEVEL: the CLI's own default. */
/** A clonebot VM of template 112 on pve1 whose lease ends at `expiresAt`, owned by `ownerId`. */
function addLeasedVm(vmid: number, name: string, ownerId: string, expiresAt: number): void {
  const o = { requestId: `cr-cli${vmid}`, ownerId, template: '112', expiresAt };
  sim.addVm({ vmid, node: 'pve1', config: { name, tags: vmTags(o), description: vmDescription(o) } });
}

function withoutLogLevel(): Record<string, string> {
  const { LOG_LEVEL: _, ...rest } = env;
  return rest;
}

/** The JSON log lines a child CLI wrote to stderr. */
const logLines = (stderr: string): Record<string, unknown>[] =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));

async function cli(args: string[], extra: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    env: { ...env, ...extra },
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    signal: new AbortController().signal,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('CLI: clone … start for 2h, list, delete, leases sweep', () => {
  it('clone with start, sshkey and a lease; --json has the addresses; list and delete find it from the VM itself', async () => {
    const run = await cli([
      'clone',
      '112',
      'as',
      'cli-web',
      'on',
      'pve1',
      'linked',
      'start',
      'sshkey',
      'for',
      '2h',
      '--json',
    ]);
    expect(run.code, run.err).toBe(0);
    const result = JSON.parse(run.out);
    expect(result).toMatchObject({
      ok: true,
      name: 'cli-web',
      vm: { owned: true, start: 'started', agent: 'answered', cloudInit: 'applied' },
    });
    expect(result.vm.ipv4).toEqual([expect.stringMatching(/^192\.168\.100\.\d+$/)]);
    const vmid = result.vmid as number;
    expect(sim.vm(vmid)?.config.tags).toBe('clonebot;owner-cli-ops');

    const list = await cli(['list', '--json']);
    expect(list.code).toBe(0);
    const row = JSON.parse(list.out).vms.find((v: { vmid: number }) => v.vmid === vmid);
    expect(row).toMatchObject({ name: 'cli-web', status: 'running', owner: 'cli:ops', ipv4: result.vm.ipv4 });
    expect(Date.parse(row.expiresAt) - Date.now()).toBeGreaterThan(115 * 60_000);
    // The same lease end, written the same way (ISO) in clone --json and list --json.
    expect(result.vm.expiresAt).toBe(row.expiresAt);

    expect((await cli(['delete'])).code).toBe(2);
    expect((await cli(['delete', '999999'])).code).toBe(2);
    const del = await cli(['delete', 'cli-web']);
    expect([del.code, del.out]).toEqual([
      0,
      `VM ${vmid} (cli-web) on pve1 was stopped and deleted.\nThe owner (cli:ops) is not a Slack user: nobody was told.`,
    ]);
    expect(sim.vm(vmid)).toBeUndefined();
  });

  it("CLONE_POLICY_FILE: the template's defaults, its maximum lease (exit 2) and its quota (exit 2, the use shown)", async () => {
    const policy = join(dir, 'policy.yaml');
    await writeFile(
      policy,
      'templates:\n  "9100":\n    start: true\n    lease: { default: 3h, max: 1d }\n    cloudInit: { user: ops }\n    quota: { vms: 1 }\n',
    );
    const withPolicy = { CLONE_POLICY_FILE: policy };
    const clone = (name: string, ...more: string[]) =>
      cli(['clone', '9100', 'as', name, 'on', 'pve1', 'linked', ...more], withPolicy);
    const tooLong = await clone('cli-pol', 'for', '2d');
    expect([tooLong.code, tooLong.err]).toEqual([
      2,
      "A lease of 2d is longer than the maximum of 1d: ask for at most 'for 1d' (an approver can extend it later) (this template's maximum lease is 1d)",
    ]);
    expect(sim.vms().some((vm) => vm.config.name === 'cli-pol')).toBe(false);

    const run = await clone('cli-pol', '--json');
    expect(run.code, run.err).toBe(0);
    const result = JSON.parse(run.out);
    expect(result.vm).toMatchObject({ start: 'started', cloudInit: 'applied' });
    expect(Date.parse(result.vm.expiresAt) - Date.now()).toBeGreaterThan(175 * 60_000);
    expect(Date.parse(result.vm.expiresAt) - Date.now()).toBeLessThanOrEqual(180 * 60_000);
    expect(sim.vm(result.vmid)?.config.ciuser).toBe('ops');

    const over = await clone('cli-pol2');
    expect([over.code, over.err]).toEqual([
      2,
      'Quota: cli:ops has 1 VM using 8 GiB, and the limit is 1 VM: delete one first (pve-clonebot list, pve-clonebot delete <vm>)',
    ]);
    expect(sim.vms().some((vm) => vm.config.name === 'cli-pol2')).toBe(false);
    expect((await cli(['delete', 'cli-pol'])).code).toBe(0);
  });

  it("CLONE_POLICY_FILE: a template's maximum past the 14-day default is the bound (for and until); others keep 14d", async () => {
    const policy = join(dir, 'long-policy.yaml');
    await writeFile(policy, 'templates:\n  "112":\n    lease: { max: 30d }\n');
    const clone = (template: string, name: string, ...more: string[]) =>
      cli(['clone', template, 'as', name, 'on', 'pve1', 'linked', ...more], { CLONE_POLICY_FILE: policy });
    const long = await clone('112', 'cli-long', 'for', '3w', '--json');
    expect(long.code, long.err).toBe(0);
    const days = (Date.parse(JSON.parse(long.out).vm.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(20.9);
    expect(days).toBeLessThanOrEqual(21);
    const until = new Date(Date.now() + 25 * 86_400_000).toISOString().slice(0, 10);
    const dated = await clone('112', 'cli-long2', 'until', until);
    expect(dated.code, dated.err).toBe(0);
    const tooLong = await clone('112', 'cli-long3', 'for', '5w');
    expect([tooLong.code, tooLong.err]).toEqual([
      2,
      "A lease of 35d is longer than the maximum of 30d: ask for at most 'for 30d' (an approver can extend it later) (this template's maximum lease is 30d)",
    ]);
    // 9100 has no entry: the default maximum still holds, and the past is still the past.
    const other = await clone('9100', 'cli-long4', 'for', '3w');
    expect([other.code, other.err]).toEqual([
      2,
      "A lease of 21d is longer than the maximum of 14d: ask for at most 'for 14d' (an approver can extend it later) (this template's maximum lease is 14d)",
    ]);
    expect((await clone('112', 'cli-long5', 'for', '-1d')).err).toBe(
      'A lease must be a positive duration (got -1d): e.g. for 3d',
    );
    expect(sim.vms().filter((vm) => /^cli-long[345]$/.test(String(vm.config.name)))).toEqual([]);
    for (const name of ['cli-long', 'cli-long2']) expect((await cli(['delete', name])).code).toBe(0);
  });

  it('a clone whose asked-for start fails exits 1 (the VM is made, owned and said not started); one that starts exits 0', async () => {
    sim.faults.flap({ method: 'POST', path: /\/status\/start$/, count: 1, status: 500 });
    const run = await cli([
      'clone',
      '112',
      'as',
      'cli-nostart',
      'on',
      'pve1',
      'linked',
      'start',
      'for',
      '2h',
    ]);
    expect(run.code, run.out).toBe(1);
    expect(run.out).toContain('Not started: Proxmox said');
    const json = await cli(['clone', '112', 'as', 'cli-nostart2', 'on', 'pve1', 'linked', 'start', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out).vm.start).toBe('started');
    const list = JSON.parse((await cli(['list', '--json'])).out);
    expect(list.vms.find((v: { name: string }) => v.name === 'cli-nostart')).toMatchObject({
      status: 'stopped',
      owner: 'cli:ops',
    });
    for (const name of ['cli-nostart', 'cli-nostart2']) expect((await cli(['delete', name])).code).toBe(0);
  });

  it('an owner record Proxmox refuses: exit 1, the VM said to have no lease, and the audit line says not written', async () => {
    sim.faults.flap({ method: 'PUT', path: /\/qemu\/\d+\/config$/, count: 1, status: 500 });
    const run = await runCliProcess(
      ['clone', '112', 'as', 'cli-noowner', 'on', 'pve1', 'linked', 'for', '2h'],
      withoutLogLevel(),
    );
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).toContain('The owner tags could not be written');
    const audit = logLines(run.stderr).find((l) => l.audit === true);
    expect(audit).toMatchObject({ level: 40, owned: false });
    expect(audit?.msg).toMatch(/^VM \d+: owner record not written: /);
    const vm = sim.vms().find((v) => v.config.name === 'cli-noowner');
    expect(vm?.config.tags).toBeUndefined();
    if (vm !== undefined) sim.faults.removeVm(vm.vmid);
  });

  it("delete DMs a Slack owner as Slack's Delete does, says when nobody was told, and calls a VM already gone gone", async () => {
    const add = (vmid: number) => {
      const o = { requestId: `cr-cli${vmid}`, ownerId: 'U0REQUESTER', ownerName: 'riley', template: '112' };
      sim.addVm({
        vmid,
        node: 'pve1',
        status: 'running',
        config: { name: `own${vmid}`, tags: vmTags(o), description: vmDescription(o) },
      });
    };
    const withSlack = { SLACK_BOT_TOKEN: slack.botToken, SLACK_API_URL: slack.apiUrl };
    const dms = async () => {
      const client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl });
      const im = await client.conversations.open({ users: 'U0REQUESTER' });
      return slack.messages(im.channel?.id as string).map((m) => m.text);
    };
    for (const vmid of [920, 921, 922]) add(vmid);

    const told = await cli(['delete', '920'], withSlack);
    expect([told.code, told.out]).toEqual([0, 'VM 920 (own920) on pve1 was stopped and deleted.']);
    expect(await dms()).toEqual(['VM 920 (own920) on pve1 was stopped and deleted by cli:ops.']);

    // Someone removes 922 in the web UI once it has stopped, before the CLI's DELETE.
    const unwatch = sim.watchVm(922, (vm) => {
      if (vm?.status === 'stopped') sim.faults.removeVm(922);
    });
    const gone = await cli(['delete', '922'], withSlack);
    unwatch();
    expect([gone.code, gone.out]).toEqual([
      0,
      'VM 922 (own922) on pve1 was already gone: nothing was deleted.',
    ]);
    expect(await dms()).toHaveLength(1);

    // Without SLACK_BOT_TOKEN it says nobody was told; the audit line as the binary writes it to stderr at the
    // CLI's default LOG_LEVEL (warn), with no other info line.
    const untold = await runCliProcess(['delete', '921'], withoutLogLevel());
    expect([untold.code, untold.stdout]).toEqual([
      0,
      'VM 921 (own921) on pve1 was stopped and deleted.\nThe owner (riley) was not told: SLACK_BOT_TOKEN is not set, so the CLI sends no DM.\n',
    ]);
    const [audit, ...more] = logLines(untold.stderr);
    expect(more).toEqual([]);
    expect(audit).toMatchObject({
      audit: true,
      vmid: 921,
      node: 'pve1',
      requestId: 'cr-cli921',
      by: 'cli:ops',
    });
    expect(audit?.msg).toBe('VM 921 deleted on request');
    expect(await dms()).toHaveLength(1);
  });

  it('leases sweep deletes what expired, leaves the locked and disagreeing ones, exits 0; bad input exits 2', async () => {
    const o = (vmid: number, name = 'ops') => ({
      requestId: `cr-cli${vmid}`,
      ownerId: `cli:${name}`,
      template: '112',
      expiresAt: Date.now() - 60_000,
    });
    const add = (vmid: number, extra: Record<string, string> = {}) =>
      sim.addVm({
        vmid,
        node: 'pve1',
        config: {
          name: `old${vmid}`,
          scsi0: `local-lvm:vm-${vmid}-disk-0,size=4G`,
          tags: vmTags(o(vmid)),
          description: vmDescription(o(vmid)),
          ...extra,
        },
      });
    add(900);
    add(901, { lock: 'backup' });
    add(902, { tags: 'clonebot;owner-someone-else' });
    const run = await cli(['leases', 'sweep', '--json']);
    expect(run.code, run.err).toBe(0);
    const report = JSON.parse(run.out);
    expect(report.deleted).toEqual([900]);
    expect(report.refused.map((r: { vmid: number }) => r.vmid).sort()).toEqual([901, 902]);
    expect(sim.vm(900)).toBeUndefined();
    expect(sim.vm(901)).toBeDefined();
    expect(sim.vm(902)).toBeDefined();
    // From cron (the binary, no LOG_LEVEL): every expiry and refusal is an audit line on stderr, nothing else.
    add(903);
    const cron = await runCliProcess(['leases', 'sweep'], withoutLogLevel());
    expect(cron.code, cron.stderr).toBe(0);
    const audits = logLines(cron.stderr);
    expect(audits.every((l) => l.audit === true)).toBe(true);
    expect(audits.find((l) => l.vmid === 903)).toMatchObject({
      level: 30,
      msg: 'lease of VM 903 expired: stopped and deleted',
      requestId: 'cr-cli903',
      owner: 'cli:ops',
    });
    expect(audits.filter((l) => l.vmid === 901 || l.vmid === 902)).toHaveLength(2);
    expect((await cli(['leases'])).code).toBe(2);
    const badToken = await cli(['leases', 'sweep'], { SLACK_BOT_TOKEN: 'not-a-token' });
    expect([badToken.code, badToken.err]).toEqual([
      2,
      expect.stringContaining('SLACK_BOT_TOKEN must start with xoxb-'),
    ]);
    expect((await cli(['list', 'extra'])).code).toBe(2);
    const bad = await cli(['clone', '112', 'as', 'x', 'on', 'pve1', 'for', '-1d']);
    expect([bad.code, bad.err]).toEqual([2, 'A lease must be a positive duration (got -1d): e.g. for 3d']);
    const noKey = await cli(['clone', '112', 'as', 'x', 'on', 'pve1', 'sshkey'], {
      CLONEBOT_SSH_PUBLIC_KEY_FILE: join(dir, 'missing.pub'),
    });
    expect(noKey.code).toBe(2);
    expect(noKey.err).toContain('cannot read');
  });

  it('leases sweep with SLACK_BOT_TOKEN and no REDIS_URL warns that the next run DMs the same owners again', async () => {
    addLeasedVm(930, 'soon930', 'U0REQUESTER', Date.now() + 2 * 3_600_000);
    const withSlack = { ...withoutLogLevel(), SLACK_BOT_TOKEN: slack.botToken, SLACK_API_URL: slack.apiUrl };
    const warnings = (stderr: string) => logLines(stderr).filter((l) => l.level === 40);
    for (let run = 0; run < 2; run++) {
      const sweep = await runCliProcess(['leases', 'sweep'], withSlack);
      expect(sweep.code, sweep.stderr).toBe(0);
      expect(warnings(sweep.stderr).map((l) => l.msg)).toEqual([
        "leases sweep: REDIS_URL is not set, so no run remembers the DMs sent: the next one DMs these owners again (set REDIS_URL to the bot's Redis to DM each once)",
      ]);
    }
    const client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl });
    const im = await client.conversations.open({ users: 'U0REQUESTER' });
    const soon = slack.messages(im.channel?.id as string).filter((m) => m.text.includes('soon930'));
    expect(soon).toHaveLength(2);
    // Without the token nobody is DMed, and nothing is said.
    expect(warnings((await runCliProcess(['leases', 'sweep'], withoutLogLevel())).stderr)).toEqual([]);
    sim.faults.removeVm(930);
  });

  it('leases sweep without SLACK_BOT_TOKEN marks nobody told in the Redis ledger: a run with the token DMs the owner', async () => {
    addLeasedVm(950, 'soon950', 'U0REQUESTER', Date.now() + 2 * 3_600_000);
    const redis = new Redis(SWEEP_REDIS);
    try {
      expect((await cli(['leases', 'sweep'], { REDIS_URL: SWEEP_REDIS })).code).toBe(0);
      const withSlack = {
        REDIS_URL: SWEEP_REDIS,
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_API_URL: slack.apiUrl,
      };
      for (let run = 0; run < 2; run++) expect((await cli(['leases', 'sweep'], withSlack)).code).toBe(0);
      const client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl });
      const im = await client.conversations.open({ users: 'U0REQUESTER' });
      expect(slack.messages(im.channel?.id as string).filter((m) => m.text.includes('soon950'))).toHaveLength(
        1,
      );
    } finally {
      await deleteKeys(redis, 'clonebot:lease:warned:950:');
      redis.disconnect();
      sim.faults.removeVm(950);
    }
  });

  it("leases sweep with REDIS_URL takes the worker's sweep lock: while another sweep holds it, says so and exits 0 untouched", async () => {
    addLeasedVm(960, 'old960', 'cli:ops', Date.now() - 60_000);
    const redis = new Redis(SWEEP_REDIS);
    // The worker's sweep (startLeaseSweeper) holds the lock under the bot's own prefix.
    const lock = 'clonebot:lease:sweep-lock';
    try {
      await redis.set(lock, 'a-worker-sweeping', 'PX', 60_000);
      for (const args of [
        ['leases', 'sweep'],
        ['leases', 'sweep', '--json'],
      ]) {
        const held = await cli(args, { REDIS_URL: SWEEP_REDIS });
        expect([held.code, held.err]).toEqual([0, '']);
        expect(held.out).toContain('Another lease sweep is running');
        expect(sim.vm(960)).toBeDefined();
      }
      expect(await redis.get(lock)).toBe('a-worker-sweeping');
      await redis.del(lock);
      const run = await cli(['leases', 'sweep'], { REDIS_URL: SWEEP_REDIS });
      expect([run.code, run.err]).toEqual([0, '']);
      expect(sim.vm(960)).toBeUndefined();
      // Its own lock is freed when it is done.
      expect(await redis.get(lock)).toBeNull();
    } finally {
      await redis.del(lock);
      redis.disconnect();
    }
  });

  it('leases sweep with a REDIS_URL it cannot reach sweeps anyway (the VMs are the record) and names Redis, not Proxmox', async () => {
    const o = (vmid: number, expiresAt: number) => ({
      requestId: `cr-cli${vmid}`,
      ownerId: 'cli:ops',
      template: '112',
      expiresAt,
    });
    const add = (vmid: number, expiresAt: number) =>
      sim.addVm({
        vmid,
        node: 'pve1',
        config: {
          name: `r${vmid}`,
          tags: vmTags(o(vmid, expiresAt)),
          description: vmDescription(o(vmid, expiresAt)),
        },
      });
    add(940, Date.now() + 3_600_000);
    add(941, Date.now() - 60_000);
    const sweep = await runCliProcess(['leases', 'sweep'], {
      ...withoutLogLevel(),
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    expect(sweep.code, sweep.stderr).toBe(0);
    expect(sim.vm(941)).toBeUndefined();
    expect(sweep.stderr).not.toContain('Proxmox:');
    expect(sweep.stderr).not.toContain('Unhandled error event');
    const warned = logLines(sweep.stderr).filter((l) => l.level === 40);
    expect(warned).toHaveLength(1);
    expect(warned[0]?.msg).toBe(
      'leases sweep: Redis at REDIS_URL could not be reached: swept without it, so the warnings and refusals DMed now are DMed again at the next run',
    );
    expect(String(warned[0]?.err)).toContain('ECONNREFUSED');
    sim.faults.removeVm(940);
  });

  it('protection is reported, not stopped; a sweep whose deletion fails exits 1', async () => {
    const o = (vmid: number) => ({
      requestId: `cr-cli${vmid}`,
      ownerId: 'cli:ops',
      template: '112',
      expiresAt: Date.now() - 60_000,
    });
    const add = (vmid: number, extra: Record<string, string | number>) =>
      sim.addVm({
        vmid,
        node: 'pve1',
        config: { name: `v${vmid}`, tags: vmTags(o(vmid)), description: vmDescription(o(vmid)), ...extra },
      });
    add(910, { protection: 1 });
    add(911, {});
    sim.faults.flap({ method: 'DELETE', path: '/nodes/pve1/qemu/911', count: 1, status: 503 });
    const run = await cli(['leases', 'sweep']);
    expect(run.code).toBe(1);
    expect(run.out).toContain('left alone: VM 910 on pve1: VM 910 has protection on');
    expect(run.out).toContain('FAILED: VM 911 on pve1: destroy failed:');
    // As delete does, the sweep says when nobody was DMed.
    expect(run.out).toContain(
      'The owners were not told: SLACK_BOT_TOKEN is not set, so the CLI sends no DM (the audit log has each event).',
    );
    expect(sim.vm(910)).toBeDefined();
    expect(sim.tasks().filter((t) => t.id === '910')).toEqual([]);
    // The next sweep finishes the job.
    expect((await cli(['leases', 'sweep'])).code).toBe(0);
    expect(sim.vm(911)).toBeUndefined();
  });
});
