import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadDemoConfig } from '../src/config.ts';

const proxmoxEnv = {
  PROXMOX_URL: 'https://pve1.example.com',
  PROXMOX_TOKEN_ID: 'clonebot@pve!slack',
  PROXMOX_TOKEN_SECRET: '0f6c1d2e-1111-2222-3333-444455556666',
};

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults the Proxmox port to 8006, not 443', () => {
    const { proxmox } = loadConfig(proxmoxEnv, ['proxmox']);
    expect(proxmox.url).toBe('https://pve1.example.com:8006');
    expect(proxmox.port).toBe(8006);
    expect(proxmox.auth).toEqual({
      kind: 'token',
      tokenId: 'clonebot@pve!slack',
      secret: '0f6c1d2e-1111-2222-3333-444455556666',
    });
    expect(proxmox.insecureTls).toBe(false);
  });

  it('keeps an explicit port', () => {
    const { proxmox } = loadConfig({ ...proxmoxEnv, PROXMOX_URL: 'https://10.0.0.5:8443/' }, ['proxmox']);
    expect(proxmox.url).toBe('https://10.0.0.5:8443');
  });

  it('names a missing PROXMOX_URL and what is expected', () => {
    const problems = problemsOf(() => loadConfig({ ...proxmoxEnv, PROXMOX_URL: undefined }, ['proxmox']));
    expect(problems.join('\n')).toMatch(/PROXMOX_URL is required, e\.g\. https:\/\/pve1\.example\.com:8006/);
  });

  it('refuses http:// and paths in PROXMOX_URL', () => {
    expect(
      problemsOf(() => loadConfig({ ...proxmoxEnv, PROXMOX_URL: 'http://pve1:8006' }, ['proxmox']))[0],
    ).toMatch(/must use https:\/\//);
    expect(
      problemsOf(() => loadConfig({ ...proxmoxEnv, PROXMOX_URL: 'https://pve1:8006/ui' }, ['proxmox']))[0],
    ).toMatch(/without a path/);
  });

  it('wants the full token id USER@REALM!TOKENID', () => {
    const problems = problemsOf(() => loadConfig({ ...proxmoxEnv, PROXMOX_TOKEN_ID: 'slack' }, ['proxmox']));
    expect(problems[0]).toMatch(/PROXMOX_TOKEN_ID must be the full token id USER@REALM!TOKENID/);
  });

  it('accepts username + password when no token is set', () => {
    const { proxmox } = loadConfig(
      { PROXMOX_URL: 'https://pve:8006', PROXMOX_USERNAME: 'clonebot@pve', PROXMOX_PASSWORD: 'pw' },
      ['proxmox'],
    );
    expect(proxmox.auth).toEqual({ kind: 'password', username: 'clonebot@pve', password: 'pw' });
  });

  it('reads PROXMOX_MAX_CONNECTIONS (default 16) and refuses one out of range', () => {
    expect(loadConfig(proxmoxEnv, ['proxmox']).proxmox.maxConnections).toBe(16);
    expect(
      loadConfig({ ...proxmoxEnv, PROXMOX_MAX_CONNECTIONS: '4' }, ['proxmox']).proxmox.maxConnections,
    ).toBe(4);
    const problems = problemsOf(() =>
      loadConfig({ ...proxmoxEnv, PROXMOX_MAX_CONNECTIONS: '0' }, ['proxmox']),
    );
    expect(problems.join('\n')).toMatch(/PROXMOX_MAX_CONNECTIONS/);
  });

  it('asks for credentials when none are set, naming both ways', () => {
    const problems = problemsOf(() => loadConfig({ PROXMOX_URL: 'https://pve:8006' }, ['proxmox']));
    expect(problems[0]).toMatch(
      /PROXMOX_TOKEN_ID and PROXMOX_TOKEN_SECRET .* or PROXMOX_USERNAME and PROXMOX_PASSWORD/,
    );
  });

  it('never echoes a secret in its messages', () => {
    const secret = 'super-secret-value-123';
    const problems = problemsOf(() =>
      loadConfig({ ...proxmoxEnv, PROXMOX_TOKEN_ID: 'bad', PROXMOX_TOKEN_SECRET: secret }, ['proxmox']),
    );
    expect(problems.join('\n')).not.toContain(secret);
  });

  it('parses clone settings with defaults and TEMPLATE_NODE_IDS', () => {
    expect(loadConfig({}, ['clone']).clone).toEqual({
      timeoutMs: 900_000,
      progressIntervalMs: 30_000,
      concurrencyPerNode: 2,
      concurrencyPerSharedStorage: 4,
      lockRetry: { retries: 3, firstDelayMs: 30_000 },
      templateNodeIds: undefined,
    });
    expect(
      loadConfig({ STORAGE_LOCK_RETRIES: '0', STORAGE_LOCK_RETRY_SECONDS: '5' }, ['clone']).clone.lockRetry,
    ).toEqual({ retries: 0, firstDelayMs: 5000 });
    const { clone } = loadConfig({ TEMPLATE_NODE_IDS: 'pve1=1, pve2=2,pve10=10' }, ['clone']);
    expect([...(clone.templateNodeIds ?? [])]).toEqual([
      ['pve1', 1],
      ['pve2', 2],
      ['pve10', 10],
    ]);
  });

  it('reads WORKER_CONCURRENCY (default 200) and refuses one out of range with its bounds', () => {
    expect(loadConfig({}, ['worker']).worker).toEqual({ concurrency: 200 });
    expect(loadConfig({ WORKER_CONCURRENCY: '1000' }, ['worker']).worker).toEqual({ concurrency: 1000 });
    const problems = problemsOf(() => loadConfig({ WORKER_CONCURRENCY: '0' }, ['worker']));
    expect(problems).toEqual(["WORKER_CONCURRENCY must be a whole number from 1 to 5000 (got '0')"]);
  });

  it('names malformed numbers and node id lists', () => {
    const problems = problemsOf(() =>
      loadConfig({ CLONE_TIMEOUT_SECONDS: 'soon', TEMPLATE_NODE_IDS: 'pve1:1' }, ['clone']),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /CLONE_TIMEOUT_SECONDS must be a whole number from 10 to 86400 \(got 'soon'\)/,
    );
    expect(problems[1]).toMatch(/TEMPLATE_NODE_IDS must look like pve1=1,pve2=2/);
  });

  it('reads only the sections asked for: the CLI clone needs no Slack variable', () => {
    const config = loadConfig({ ...proxmoxEnv }, ['proxmox', 'clone', 'log']);
    expect(Object.keys(config).sort()).toEqual(['clone', 'log', 'proxmox']);
  });

  it('SLACK_APP_TOKEN must be an app-level token: a bot token there is named, not echoed', () => {
    const problems = problemsOf(() =>
      loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-2-pasted-secret' }, ['slack']),
    );
    expect(problems).toEqual([
      'SLACK_APP_TOKEN must start with xapp- (an app-level token with connections:write)',
    ]);
    expect(problems.join('\n')).not.toContain('pasted-secret');
    const { slack } = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: ' xapp-1-A-1-x ' }, ['slack']);
    expect(slack.appToken).toBe('xapp-1-A-1-x');
  });

  it('requires the Slack tokens and approvers for the bot', () => {
    const problems = problemsOf(() => loadConfig({}, ['slack', 'slackBot']));
    expect(problems.join('\n')).toMatch(/SLACK_BOT_TOKEN is required/);
    expect(problems.join('\n')).toMatch(
      /SLACK_APP_TOKEN is required for Socket Mode, the default setup .*; for HTTP mode set SLACK_SIGNING_SECRET instead/,
    );
    const p2 = problemsOf(() =>
      loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }, ['slack', 'slackBot']),
    );
    expect(p2[0]).toMatch(/CLONE_APPROVERS is required while CLONE_REQUIRE_APPROVAL is true/);
    const { slack } = loadConfig(
      { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', CLONE_APPROVERS: 'U012AB, S0GROUP1' },
      ['slack', 'slackBot'],
    );
    expect(slack.approvers).toEqual(['U012AB', 'S0GROUP1']);
    expect(slack.apiUrl).toBe('https://slack.com/api/');
    expect(slack.port).toBe(3000);
    expect(slack.allowSelfApproval).toBe(false);
    expect(slack.approvalTtlMs).toBe(1440 * 60_000);
  });

  it('a worker needs only the bot token of the Slack section: no signing secret, no approvers', () => {
    const { slack } = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' }, ['slack']);
    expect(slack.botToken).toBe('xoxb-1');
    expect(slack.signingSecret).toBeUndefined();
  });

  it('refuses display names in CLONE_APPROVERS', () => {
    const problems = problemsOf(() =>
      loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', CLONE_APPROVERS: '@alice' }, [
        'slack',
      ]),
    );
    expect(problems[0]).toMatch(/'@alice' is not one/);
  });

  it('accepts a Redis URL naming a database and refuses other schemes', () => {
    expect(loadConfig({ REDIS_URL: 'redis://host:6379/15' }, ['redis']).redis.url).toBe(
      'redis://host:6379/15',
    );
    expect(loadConfig({}, ['redis']).redis.url).toBe('redis://127.0.0.1:6379');
    expect(problemsOf(() => loadConfig({ REDIS_URL: 'http://x' }, ['redis']))[0]).toMatch(
      /REDIS_URL must look like/,
    );
  });

  it('reads Sentinel settings: the sentinels, the master name, the sentinels password', () => {
    const { redis } = loadConfig(
      {
        REDIS_SENTINELS: ' s1:26380, 10.0.0.2 ,[::1]:26381',
        REDIS_SENTINEL_NAME: 'clonebot',
        REDIS_SENTINEL_PASSWORD: 'pw',
      },
      ['redis'],
    );
    expect(redis.sentinel).toEqual({
      sentinels: [
        { host: 's1', port: 26380 },
        { host: '10.0.0.2', port: 26379 },
        { host: '::1', port: 26381 },
      ],
      name: 'clonebot',
      password: 'pw',
    });
    expect(redis.url).toBe('redis://127.0.0.1:6379');
    expect(loadConfig({}, ['redis']).redis.sentinel).toBeUndefined();
  });

  it('refuses half a Sentinel setting or a malformed sentinel, naming the variable', () => {
    expect(problemsOf(() => loadConfig({ REDIS_SENTINELS: 's1:26379' }, ['redis']))[0]).toMatch(
      /^REDIS_SENTINEL_NAME is required with REDIS_SENTINELS/,
    );
    expect(problemsOf(() => loadConfig({ REDIS_SENTINEL_NAME: 'm' }, ['redis']))[0]).toMatch(
      /REDIS_SENTINELS is not/,
    );
    // A sentinels' password without the sentinels would be ignored: the bot then talks to REDIS_URL alone.
    const password = problemsOf(() => loadConfig({ REDIS_SENTINEL_PASSWORD: 's3cr3t-pw' }, ['redis']));
    expect(password[0]).toMatch(/^REDIS_SENTINEL_PASSWORD is set but REDIS_SENTINELS is not/);
    expect(password.join(' ')).not.toContain('s3cr3t-pw');
    for (const bad of ['s1:99999', 's1:', 'redis://s1:26379', 'user:s3cr3t-pw@s1:26379']) {
      const problem = problemsOf(() =>
        loadConfig({ REDIS_SENTINELS: `s0:26379,${bad}`, REDIS_SENTINEL_NAME: 'm' }, ['redis']),
      )[0];
      expect(problem).toMatch(/^REDIS_SENTINELS must be host:port/);
      expect(problem).not.toContain('s3cr3t-pw');
    }
  });

  it('never shows the password of a malformed Redis or Proxmox URL in the error', () => {
    for (const url of [
      'redis://:s3cr3t-pw@host:6379/db0',
      'redis://default:s3cr3t-pw@host:6379/x',
      'http://user:s3cr3t-pw@host:6379',
      'redis://user:s3cr3t-pw@host:port',
      'rediss://:s3cr3t-pw@[bad',
      'redis://u:s3cr3t-pw/with@slash@host:6379/x',
    ]) {
      const problem = problemsOf(() => loadConfig({ REDIS_URL: url }, ['redis']))[0] as string;
      expect(problem).toMatch(/REDIS_URL must look like/);
      expect(problem).not.toContain('s3cr3t-pw');
      expect(problem).toContain('***@');
    }
    const problems = problemsOf(() =>
      loadConfig({ ...proxmoxEnv, PROXMOX_URL: 'http://root:s3cr3t-pw@pve1:8006' }, ['proxmox']),
    );
    expect(problems.join('\n')).not.toContain('s3cr3t-pw');
    expect(problems.join('\n')).toMatch(/PROXMOX_URL must use https/);
  });

  it('validates the health schedule', () => {
    const { health } = loadConfig({ HEALTH_REPORT_TZ: 'Europe/Berlin' }, ['health']);
    expect(health.cron).toBe('0 8 * * *');
    expect(health.checkIntervalMs).toBe(15 * 60_000);
    const problems = problemsOf(() =>
      loadConfig({ HEALTH_REPORT_TZ: 'Mars/Base', HEALTH_REPORT_CRON: 'daily' }, ['health']),
    );
    expect(problems.join('\n')).toMatch(/HEALTH_REPORT_CRON must be a five-field cron/);
    expect(problems.join('\n')).toMatch(/HEALTH_REPORT_TZ must be an IANA time zone/);
  });

  it('rejects an unknown LOG_LEVEL naming the choices', () => {
    expect(problemsOf(() => loadConfig({ LOG_LEVEL: 'loud' }, ['log']))[0]).toMatch(
      /LOG_LEVEL must be one of/,
    );
  });
});

describe('loadDemoConfig', () => {
  it('defaults, 0 as real time, and each bad value named', () => {
    expect(loadDemoConfig({})).toEqual({
      DEMO_PORT: 3000,
      DEMO_HOST: '127.0.0.1',
      DEMO_TIME_SCALE: 5,
      DEMO_SLACK_MODE: 'http',
      LOG_LEVEL: 'warn',
    });
    expect(
      loadDemoConfig({ REDIS_URL: ' redis://r:6379 ', LOG_LEVEL: 'debug', CLONE_TIMEOUT_SECONDS: '60' }),
    ).toMatchObject({
      REDIS_URL: 'redis://r:6379',
      LOG_LEVEL: 'debug',
      CLONE_TIMEOUT_SECONDS: '60',
    });
    expect(loadDemoConfig({ DEMO_TIME_SCALE: '0', DEMO_SLACK_MODE: ' Socket ' })).toMatchObject({
      DEMO_TIME_SCALE: 1,
      DEMO_SLACK_MODE: 'socket',
    });
    expect(() => loadDemoConfig({ DEMO_TIME_SCALE: 'fast', DEMO_SLACK_MODE: 'pigeon' })).toThrow(
      /DEMO_TIME_SCALE must be a number \(got 'fast'\)[\s\S]*DEMO_SLACK_MODE must be socket or http/,
    );
  });
});
