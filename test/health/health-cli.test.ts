import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.ts';
import { systemClock } from '../../src/clock.ts';
import type { HealthReport } from '../../src/core/health-types.ts';
import { createHealthCheck } from '../../src/health/create-health-check.ts';
import { createLogger } from '../../src/logger.ts';
import { demoCluster, startProxmoxSim } from '../../src/sim/proxmox/index.ts';
import { healthSubcommand } from '../../src/slack/listeners/commands/health-subcommand.ts';
import type { SlackMessage } from '../../src/slack/messages/slack-message.ts';
import type { SlackServices } from '../../src/slack/slack-services.ts';
import { connect, deleteKeys, freshPrefix, REDIS_URL } from '../requests/redis-fixture.ts';
import { breakTemplates, type HealthSim, startHealthSim } from './health-harness.ts';

const run = promisify(execFile);
const prefix = freshPrefix();
let h: HealthSim;
let redis: Redis;

const ids = (r: HealthReport) =>
  r.nodes
    .flatMap((n) => [...n.findings, ...n.templates.flatMap((t) => t.findings)])
    .map((f) => f.id)
    .sort();

beforeAll(async () => {
  h = await startHealthSim();
  redis = connect();
});
afterAll(async () => {
  await deleteKeys(redis, prefix);
  redis.disconnect();
  await h.close();
});

describe('/clone health and pve-clonebot health', () => {
  it('give the same findings (the CLI run as a child process, sharing the bot\u2019s Redis memory)', async () => {
    breakTemplates(h);
    h.inactive.clear(); // the child process talks to the simulator directly
    await redis.hset(`${prefix}health:lock-since`, 'pve2/9205/backup', String(Date.now() - 3 * 3_600_000));
    const seen: HealthReport[] = [];
    const check = createHealthCheck({
      redis,
      proxmox: h.proxmox,
      clock: systemClock,
      logger: createLogger('silent'),
      config: { lockStuckMs: 3_600_000 },
      cloneConfig: { templateNodeIds: undefined },
      prefix,
    });
    const sub = healthSubcommand({
      check: async () => {
        const r = await check();
        seen.push(r);
        return r;
      },
      logger: createLogger('silent'),
    });
    const replies: SlackMessage[] = [];
    await sub.run({
      services: {} as SlackServices,
      userId: 'U0ALICE',
      channelId: 'C0CLONES',
      args: [],
      respond: async (m) => {
        replies.push(m);
      },
    });
    expect(replies[0]?.text).toContain('Checking the templates');
    const slackText = JSON.stringify(replies.slice(1));
    expect(slackText).toContain('recreate template 9200 on pve2 from base 0: disk scsi0 missing');
    expect(slackText).toContain('qm unlock 9205');

    const child = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'health', '--json', '--prefix', prefix],
      { env: { ...process.env, ...h.env, REDIS_URL }, cwd: process.cwd() },
    ).then(
      () => ({ code: 0, stdout: '' }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(child.code).toBe(1);
    const cli = JSON.parse(child.stdout) as HealthReport;
    expect(ids(cli)).toEqual(ids(seen[0] as HealthReport));
    expect(ids(cli)).toContain('pve2/9205/lock-stuck');
  }, 30_000);

  it('exits 0 on a healthy cluster, 1 when something is broken (with the fixes printed), 2 on a bad argument', async () => {
    const out: string[] = [];
    const io = (env: Record<string, string>) => ({
      env,
      out: (l: string) => out.push(l),
      err: (l: string) => out.push(l),
      signal: new AbortController().signal,
    });
    expect(await runCli(['health'], io(h.env))).toBe(1);
    expect(out.join('\n')).toContain('fix: move the disk from unused0 back');
    expect(out.join('\n')).toContain('REDIS_URL is not set: lock ages count from this run');

    // A one-node cluster with one sound template.
    const cluster = demoCluster();
    cluster.nodes = cluster.nodes.slice(0, 1);
    cluster.vms = cluster.vms.filter((v) => v.vmid === 9100);
    const sim = await startProxmoxSim({ cluster });
    try {
      out.length = 0;
      const caFile = join(mkdtempSync(join(tmpdir(), 'health-cli-')), 'ca.pem');
      writeFileSync(caFile, sim.caPem);
      const env = {
        ...h.env,
        PROXMOX_URL: sim.url,
        PROXMOX_TOKEN_SECRET: sim.token.secret,
        PROXMOX_CA_FILE: caFile,
      };
      expect(await runCli(['health'], io(env))).toBe(0);
      expect(out[0]).toContain('the 1 template healthy');
    } finally {
      await sim.close();
    }
    expect(await runCli(['health', '--frobnicate'], io(h.env))).toBe(2);
  });
});
