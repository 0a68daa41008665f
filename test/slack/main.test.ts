import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type ProxmoxSim, startProxmoxSim } from '../../src/sim/proxmox/index.ts';
import { type SlackSim, startSlackSim } from '../../src/sim/slack/index.ts';
import { deleteKeys } from '../requests/redis-fixture.ts';

const REDIS_DB_URL = 'redis://127.0.0.1:6379/14';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  closers.length = 0;
});

/** Runs `tsx src/main.ts ...args` and collects its output; resolves `started` at the start log line. */
function run(args: string[], env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const started = new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.includes('pve-clonebot started'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  started.catch(() => undefined); // awaited by the tests that expect a start
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  closers.push(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, started, exited, output: () => out };
}

describe('src/main.ts', () => {
  it('bot+worker and worker-only start from the environment, answer /healthz, and drain on SIGTERM', async () => {
    const pve: ProxmoxSim = await startProxmoxSim();
    closers.push(() => pve.close());
    const slack: SlackSim = await startSlackSim();
    closers.push(() => slack.close());
    const dir = await mkdtemp(join(tmpdir(), 'clonebot-main-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'ca.pem'), pve.caPem);
    // main.ts uses the production key prefix: keep it in a database of its own and empty that afterwards.
    const redis = new Redis(REDIS_DB_URL);
    closers.push(async () => {
      await deleteKeys(redis, 'clonebot:');
      await redis.quit();
    });
    const env = {
      PROXMOX_URL: pve.url,
      PROXMOX_CA_FILE: join(dir, 'ca.pem'),
      PROXMOX_TOKEN_ID: pve.token.id,
      PROXMOX_TOKEN_SECRET: pve.token.secret,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      LOG_LEVEL: 'info',
      REDIS_URL: REDIS_DB_URL,
    };
    const all = run([], {
      ...env,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      CLONE_APPROVERS: 'S0APPROVERS',
    });
    const port = await all.started;
    expect(slack.calls('auth.test')).toHaveLength(1); // identity asked once, explicitly
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    all.child.kill('SIGTERM');
    expect(await all.exited).toBe(0);
    expect(all.output()).toContain('pve-clonebot stopped');
    expect(all.output()).not.toContain(pve.token.secret);
    expect(all.output()).not.toContain(slack.botToken);

    // A worker needs no signing secret and no approver list.
    const worker = run(['worker'], env);
    const workerPort = await worker.started;
    expect((await fetch(`http://127.0.0.1:${workerPort}/healthz`)).status).toBe(200);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });

  it('stops with a message naming the variable when the configuration is wrong', async () => {
    const bad = run(['bot'], { SLACK_BOT_TOKEN: 'xoxb-1', PROXMOX_URL: 'http://nope' });
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toContain('PROXMOX_URL must use https://');
    expect(bad.output()).toContain('SLACK_APP_TOKEN is required for Socket Mode');
    expect(bad.output()).toContain('for HTTP mode set SLACK_SIGNING_SECRET instead');
  });

  it('Socket Mode: connects with SLACK_APP_TOKEN and serves /healthz on PORT with the socket state', async () => {
    const pve: ProxmoxSim = await startProxmoxSim();
    closers.push(() => pve.close());
    const slack: SlackSim = await startSlackSim({
      transport: 'socket',
      appToken: 'xapp-1-A0CLONEBOT-1-main',
    });
    closers.push(() => slack.close());
    const dir = await mkdtemp(join(tmpdir(), 'clonebot-main-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'ca.pem'), pve.caPem);
    const base = {
      PROXMOX_URL: pve.url,
      PROXMOX_CA_FILE: join(dir, 'ca.pem'),
      PROXMOX_TOKEN_ID: pve.token.id,
      PROXMOX_TOKEN_SECRET: pve.token.secret,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_API_URL: slack.apiUrl,
      CLONE_APPROVERS: 'S0APPROVERS',
      PORT: '0',
      LOG_LEVEL: 'info',
      REDIS_URL: REDIS_DB_URL,
    };
    const bot = run(['bot'], { ...base, SLACK_APP_TOKEN: 'xapp-1-A0CLONEBOT-1-main' });
    const port = await bot.started;
    expect(port).not.toBe(3000);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { checks: Record<string, string> }).checks.slack_socket).toBe('ok');
    expect(slack.socketMode.connections()).toBe(1);
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(bot.output()).not.toContain('xapp-1-A0CLONEBOT-1-main');

    // A revoked (or mistyped) app token: Slack answers invalid_auth and the bot stops, naming the variable.
    const wrong = run(['bot'], { ...base, SLACK_APP_TOKEN: 'xapp-1-A0CLONEBOT-1-revoked' });
    expect(await wrong.exited).toBe(1);
    expect(wrong.output()).toContain('SLACK_APP_TOKEN was refused by Slack (invalid_auth)');
    expect(wrong.output()).not.toContain('xapp-1-A0CLONEBOT-1-revoked');
  });

  it('a bot token in SLACK_APP_TOKEN stops at start naming the variable, without echoing the token', async () => {
    const bad = run(['bot'], {
      SLACK_BOT_TOKEN: 'xoxb-1-secret-bot',
      SLACK_APP_TOKEN: 'xoxb-2-secret-pasted-here',
      PROXMOX_URL: 'https://pve.example:8006',
      PROXMOX_TOKEN_ID: 'root@pam!bot',
      PROXMOX_TOKEN_SECRET: '00000000-0000-0000-0000-000000000000',
      CLONE_APPROVERS: 'S0APPROVERS',
    });
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toContain('SLACK_APP_TOKEN must start with xapp-');
    expect(bad.output()).not.toContain('secret-pasted-here');
  });
});
