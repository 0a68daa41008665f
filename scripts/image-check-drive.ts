/**
 * The running half of scripts/image-check.sh (which builds the image and passes how to call podman): starts
 * a password-protected Redis, the Proxmox simulator and the Slack simulator (Socket Mode, the manifest's
 * default) on this host, runs the image with the host's network, and checks what a team installing it
 * relies on: /healthz and the image's own HEALTHCHECK answer, the process is not root, one /clone goes from
 * the slash command through the approval to the result reply, no secret reaches the container's log, and
 * SIGTERM stops it cleanly. Exits 1 with the reason (and the container's log) on the first failure.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scaledClock, systemClock } from '../src/clock.ts';
import { freePort, type StartedRedis, startRedisServer } from '../src/demo/start-redis-server.ts';
import { type ProxmoxSim, startProxmoxSim } from '../src/sim/proxmox/index.ts';
import { DEMO_CHANNEL as CHANNEL, type SlackSim, startSlackSim } from '../src/sim/slack/index.ts';

const podman = JSON.parse(process.env.IMAGE_CHECK_PODMAN ?? '[]') as string[];
const runFlags = JSON.parse(process.env.IMAGE_CHECK_RUN_FLAGS ?? '[]') as string[];
const image = process.env.IMAGE_CHECK_IMAGE ?? '';
const REQUESTER = 'U0REQUESTER';
const APPROVER = 'U0APPROVER';
const CH = CHANNEL.id;
/** Prints the real uid of the container's PID 1 (the bot), with nothing but node in the image. */
const PID1_UID =
  "console.log(/^Uid:\\s+(\\d+)/m.exec(require('fs').readFileSync('/proc/1/status', 'utf8'))[1])";
const CA_IN_CONTAINER = '/run/pve-clonebot/proxmox-ca.pem';

const out = (line: string) => process.stdout.write(`${line}\n`);
class CheckFailed extends Error {}
function check(ok: boolean, what: string): void {
  if (!ok) throw new CheckFailed(what);
  out(`  ok  ${what}`);
}

/**
 * podman with our storage flags: its output, or a thrown error with its stderr. Never spawnSync: the
 * simulators the container talks to run in this process and must keep answering meanwhile.
 */
function pod(args: string[], allowFail = false): Promise<{ status: number; stdout: string; stderr: string }> {
  const [cmd, ...base] = podman as [string, ...string[]];
  const child = spawn(cmd, [...base, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const result = { status: code ?? -1, stdout: stdout.trim(), stderr: stderr.trim() };
      if (result.status !== 0 && !allowFail)
        reject(new CheckFailed(`podman ${args[0]} failed (${result.status}): ${result.stderr}`));
      else resolve(result);
    });
  });
}

/** Polls `probe` every 250 ms until it returns a value; the container is another process, nothing to await. */
async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new CheckFailed(`${what}: not within ${timeoutMs / 1000} s`);
    await systemClock.sleep(250);
  }
}

async function main(): Promise<number> {
  if (podman.length === 0 || image === '') {
    process.stderr.write('run scripts/image-check.sh, which builds the image and sets IMAGE_CHECK_*\n');
    return 2;
  }
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const name = `pve-clonebot-image-check-${process.pid}`;
  let started = false;
  try {
    // Secrets chosen here, so that finding one in the container's log proves a leak.
    const redisPassword = randomBytes(18).toString('base64url');
    const botToken = `xoxb-${randomBytes(12).toString('hex')}`;
    const appToken = `xapp-1-A0CLONEBOT-1-${randomBytes(12).toString('hex')}`;
    const signingSecret = randomBytes(16).toString('hex');
    const redis: StartedRedis | undefined = await startRedisServer({ password: redisPassword });
    if (redis === undefined) throw new CheckFailed('redis-server could not be started on this host');
    cleanups.push(() => redis.stop());
    // The cluster runs 50x faster so a clone takes seconds; the bot in the container keeps real time.
    const pve: ProxmoxSim = await startProxmoxSim({ clock: scaledClock(50) });
    cleanups.push(() => pve.close());
    const slack: SlackSim = await startSlackSim({ transport: 'socket', botToken, appToken, signingSecret });
    cleanups.push(() => slack.close());

    const dir = await mkdtemp(join(tmpdir(), 'pve-clonebot-image-check-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const caFile = join(dir, 'proxmox-ca.pem');
    await writeFile(caFile, pve.caPem);
    // Readable by the container's `node` user (uid 1000), who does not own it.
    await chmod(caFile, 0o644);
    const port = await freePort();
    const env: Record<string, string> = {
      PROXMOX_URL: pve.url,
      PROXMOX_TOKEN_ID: pve.token.id,
      PROXMOX_TOKEN_SECRET: pve.token.secret,
      PROXMOX_CA_FILE: CA_IN_CONTAINER,
      SLACK_BOT_TOKEN: botToken,
      SLACK_APP_TOKEN: appToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: slack.apiUrl,
      CLONE_APPROVERS: 'S0APPROVERS',
      PROGRESS_INTERVAL_SECONDS: '5',
      REDIS_URL: redis.url,
      PORT: String(port),
      LOG_LEVEL: 'debug',
    };
    const envFile = join(dir, 'env');
    await writeFile(
      envFile,
      Object.entries(env)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
      { mode: 0o600 },
    );

    const t0 = Date.now();
    await pod([
      'run',
      '--detach',
      '--name',
      name,
      ...runFlags,
      '--env-file',
      envFile,
      '--volume',
      `${caFile}:${CA_IN_CONTAINER}:ro`,
      image,
    ]);
    started = true;
    cleanups.push(() => pod(['rm', '--force', '--time', '0', name], true));
    const running = async () =>
      (await pod(['inspect', '--format', '{{.State.Running}}', name])).stdout === 'true';

    // /healthz: Redis, Proxmox and the Slack socket reachable from inside the container.
    const health = await until('/healthz answering 200', 60_000, async () => {
      if (!(await running())) throw new CheckFailed('the container exited before /healthz answered');
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      return r.status === 200 ? ((await r.json()) as { checks: Record<string, string> }) : undefined;
    });
    const healthSeconds = (Date.now() - t0) / 1000;
    check(
      Object.values(health.checks).every((v) => v === 'ok') && health.checks.slack_socket === 'ok',
      `/healthz 200 after ${healthSeconds.toFixed(1)} s: ${JSON.stringify(health.checks)}`,
    );
    check(
      (await pod(['healthcheck', 'run', name], true)).status === 0,
      "the image's HEALTHCHECK reports healthy",
    );

    // Non-root: the main process (PID 1) and what `exec` gets by default.
    const uid = (await pod(['exec', name, 'node', '-e', PID1_UID])).stdout;
    const user = (await pod(['exec', name, 'id', '-un'])).stdout;
    check(uid !== '0' && uid !== '' && user === 'node', `runs as a non-root user: ${user}, PID 1 uid ${uid}`);

    // One /clone: slash command over the socket, an approver's click, progress, the result reply.
    const t1 = Date.now();
    await slack.slashCommand({ userId: REQUESTER, channelId: CH, text: '112 as img-test on pve1' });
    const parent = await slack.waitUntil(() => slack.messages(CH)[0], 20_000);
    await slack.clickButton({
      userId: APPROVER,
      channelId: CH,
      messageTs: parent.ts,
      buttonText: 'Approve',
    });
    const replies = await slack.waitUntil(() => {
      const r = slack.thread(CH, parent.ts);
      return r.length >= 2 ? r : undefined;
    }, 120_000);
    const result = JSON.stringify(replies[1]);
    const vm = pve.vms().find((v) => v.config.name === 'img-test');
    const clonePosts = pve.requests.count('POST', /^\/nodes\/[^/]+\/qemu\/\d+\/clone$/);
    check(
      vm !== undefined && result.includes('is ready') && result.includes(`VM ${vm.vmid}`) && clonePosts === 1,
      `/clone 112 as img-test on pve1 → approved → "VM ${vm?.vmid} is ready" in ${((Date.now() - t1) / 1000).toFixed(1)} s, one clone POST`,
    );
    const envelopes = slack.socketMode.envelopes().map((e) => e.type);
    check(
      envelopes.includes('slash_commands') && envelopes.includes('interactive'),
      `the command and the click arrived over Socket Mode (${envelopes.join(', ')})`,
    );

    // SIGTERM (podman stop) drains and exits 0, well inside compose's stop_grace_period.
    const t2 = Date.now();
    await pod(['stop', '--time', '60', name]);
    const exitCode = (await pod(['inspect', '--format', '{{.State.ExitCode}}', name])).stdout;
    check(exitCode === '0', `podman stop: exit ${exitCode} after ${((Date.now() - t2) / 1000).toFixed(1)} s`);

    const logs = await pod(['logs', name]);
    const log = `${logs.stdout}\n${logs.stderr}`;
    const leaked = Object.entries({ redisPassword, botToken, appToken, signingSecret, pve: pve.token.secret })
      .filter(([, secret]) => log.includes(secret))
      .map(([what]) => what);
    check(
      leaked.length === 0 && log.split('\n').length > 3,
      `no secret in the container's log (${log.split('\n').length} lines at LOG_LEVEL=debug)`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`\nFAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    if (started) {
      const logs = await pod(['logs', '--tail', '40', name], true);
      process.stderr.write(`--- the container's last log lines ---\n${logs.stdout}\n${logs.stderr}\n`);
    }
    return 1;
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  }
}

process.exit(await main());
