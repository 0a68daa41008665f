/**
 * One worker process against the simulators: `npm run bench:scale` (or `npx tsx bench/scale.ts [follow|chat]`).
 *
 * follow — N clones (BENCH_CLONES, default 1000) queued at once, per-node limit high, the default 30 s progress
 *   interval: the clones followed at once, the worker's RSS (idle and peak), and the Proxmox load while they are
 *   all being followed: GETs per poll (/cluster/tasks, /cluster/resources, task status), polls per second, and
 *   task-log reads per clone per progress interval.
 * chat — 40 clones of ~20 s on one node with chat.update limited to 50/min (Slack's Tier 3), progress every 1 s:
 *   the clone tasks running at once, the time from each task's stop to its final reply (max), the replies still
 *   missing 90 s after the last task stopped.
 *
 * The worker is a child process started as production starts it (`npm run start:worker`'s command after a build;
 * BENCH_WORKER overrides the command, e.g. for an older tree run through tsx), in real time: the simulators run
 * in this process, also in real time, with copies sized to last. Requests are written to Redis and queued as
 * the bot does (approval off). Redis: REDIS_URL's server, a database of its own (BENCH_REDIS_DB, default 13),
 * whose clonebot keys are deleted at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import { systemClock } from '../src/clock.ts';
import { createCloneQueue } from '../src/jobs/clone-queue.ts';
import { DEFAULT_PREFIX } from '../src/requests/request-keys.ts';
import { createRequestStore } from '../src/requests/request-store.ts';
import { startProxmoxSim } from '../src/sim/proxmox/index.ts';
import { startSlackSim } from '../src/sim/slack/index.ts';

const GiB = 1024 ** 3;
const DISK_BYTES = 32 * GiB; // template 112's disk in the demo cluster
const CH = 'C0CLONES';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const redisBase = (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').replace(/\/\d+$/, '');
const redisUrl = `${redisBase}/${process.env.BENCH_REDIS_DB ?? '13'}`;
// As production starts it: `npm run start:worker`'s command (node flags included), with this Node.
const startWorker = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
  .scripts['start:worker'] as string;
const workerCommand = (process.env.BENCH_WORKER ?? startWorker.replace(/^node /, `${process.execPath} `))
  .split(/\s+/)
  .filter(Boolean);

/** CPU seconds (user + system) the process has used so far, from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function cleanRedis(): Promise<void> {
  const r = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${DEFAULT_PREFIX}*`, 'COUNT', 1000);
    if (keys.length > 0) await r.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await r.quit();
}

interface Setup {
  pve: Awaited<ReturnType<typeof startProxmoxSim>>;
  slack: Awaited<ReturnType<typeof startSlackSim>>;
  worker: ChildProcess;
  submit(n: number): Promise<string[]>;
  store: ReturnType<typeof createRequestStore>;
  close(): Promise<void>;
}

async function setup(env: Record<string, string>, copyBytesPerSecond: number): Promise<Setup> {
  await cleanRedis();
  const pve = await startProxmoxSim({ storageLockConcurrency: 5000, copyBytesPerSecond });
  const slack = await startSlackSim();
  const dir = await mkdtemp(join(tmpdir(), 'clonebot-bench-'));
  await writeFile(join(dir, 'ca.pem'), pve.caPem);
  const worker = spawn(workerCommand[0] as string, workerCommand.slice(1), {
    env: {
      PATH: process.env.PATH ?? '',
      PROXMOX_URL: pve.url,
      PROXMOX_CA_FILE: join(dir, 'ca.pem'),
      PROXMOX_TOKEN_ID: pve.token.id,
      PROXMOX_TOKEN_SECRET: pve.token.secret,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_API_URL: slack.apiUrl,
      REDIS_URL: redisUrl,
      PORT: '0',
      LOG_LEVEL: 'error',
      CLONE_TIMEOUT_SECONDS: '3600',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const store = createRequestStore(redis, { clock: systemClock });
  const queue = createCloneQueue(redis, {});
  const web = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl });
  return {
    pve,
    slack,
    worker,
    store,
    async submit(n) {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const name = `bench-${i}`;
        const parent = await web.chat.postMessage({ channel: CH, text: `112 as ${name} on pve1` });
        const record = await store.create({
          request: { template: { kind: 'vmid', vmid: 112 }, name, node: 'pve1', mode: 'full' },
          text: `112 as ${name} on pve1`,
          requester: { userId: 'U0REQUESTER' },
          channelId: CH,
          messageTs: parent.ts as string,
          status: 'approved',
        });
        await queue.enqueue(record.id);
        ids.push(record.id);
      }
      return ids;
    },
    async close() {
      worker.kill('SIGKILL');
      await queue.close();
      redis.disconnect();
      await slack.close();
      await pve.close();
      await rm(dir, { recursive: true, force: true });
      await cleanRedis();
    },
  };
}

const runningClones = (s: Setup) =>
  s.pve.tasks().filter((t) => t.type === 'qmclone' && t.status === 'running');

async function follow(): Promise<void> {
  const n = Number(process.env.BENCH_CLONES ?? 1000);
  // Copies that outlast the measurement (~10 min each); the worker on its defaults: 30 s progress interval.
  const s = await setup(
    { CLONE_CONCURRENCY_PER_NODE: String(Math.min(n, 1000)), WORKER_CONCURRENCY: String(n) },
    DISK_BYTES / 600,
  );
  try {
    const pid = s.worker.pid as number;
    await sleep(5000);
    const idle = rssMiB(pid) ?? Number.NaN;
    let peak = idle;
    let peakAt = 0;
    let maxRunning = 0;
    const timeline: string[] = [];
    const sampler = setInterval(() => {
      const rss = rssMiB(pid) ?? 0;
      if (rss > peak) [peak, peakAt] = [rss, Date.now()];
      maxRunning = Math.max(maxRunning, runningClones(s).length);
      if (process.env.BENCH_TIMELINE && timeline.length < 10_000)
        timeline.push(
          `${((Date.now() - t0) / 1000).toFixed(1)}:${rss.toFixed(0)}:${runningClones(s).length}`,
        );
    }, 250);
    const t0 = Date.now();
    const ids = await s.submit(n);
    // Until every clone runs (or the worker follows no more: today's fixed concurrency), then 15 s more.
    let last = -1;
    let stableSince = Date.now();
    while (runningClones(s).length < n && Date.now() - t0 < 240_000) {
      const now = runningClones(s).length;
      if (now !== last) {
        last = now;
        stableSince = Date.now();
      } else if (Date.now() - stableSince > 20_000) break;
      await sleep(500);
    }
    const allStartedS = (Date.now() - t0) / 1000;
    await sleep(15_000);
    const cpuAtStart = cpuSeconds(pid);
    const from = Date.now();
    const windowMs = 60_000; // two progress intervals
    await sleep(windowMs);
    const to = Date.now();
    const cpuInWindow = cpuSeconds(pid) - cpuAtStart;
    clearInterval(sampler);
    const gets = s.pve.requests.entries.filter((e) => e.method === 'GET' && e.at >= from && e.at < to);
    const isLog = (p: string) => /\/tasks\/[^/]+\/log$/.test(p);
    const pollGets = gets.filter((e) => !isLog(e.path)).length;
    const polls = gets.filter((e) => e.path === '/cluster/tasks').length;
    const logs = new Map<string, number>();
    for (const e of gets.filter((g) => isLog(g.path))) logs.set(e.path, (logs.get(e.path) ?? 0) + 1);
    const followed = runningClones(s).length;
    const perClone = [...logs.values()];
    console.log(`follow: ${n} clones queued at once, one worker process (${workerCommand.join(' ')})`);
    console.log(
      `  clones followed at once: max ${maxRunning}, at measurement ${followed} (${allStartedS.toFixed(0)} s to start them)`,
    );
    console.log(
      `  worker RSS: idle ${idle.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB (${((peakAt - t0) / 1000).toFixed(0)} s after queueing)`,
    );
    if (process.env.BENCH_TIMELINE)
      console.log(`  timeline (s:MiB:running): ${timeline.filter((_, i) => i % 8 === 0).join(' ')}`);
    console.log(
      `  worker CPU: ${cpuAtStart.toFixed(1)} s to take and start them, ${cpuInWindow.toFixed(1)} s in the ${windowMs / 1000} s measured (${((100 * cpuInWindow) / (windowMs / 1000)).toFixed(0)} % of a core)`,
    );
    console.log(
      `  Proxmox GETs in ${windowMs / 1000} s (all followed): ${pollGets} poll GETs in ${polls} polls = ${(pollGets / Math.max(1, polls)).toFixed(2)} per poll, ${(pollGets / (windowMs / 1000)).toFixed(2)}/s; ${(polls / (windowMs / 1000)).toFixed(2)} polls/s`,
    );
    console.log(
      `  task-log reads: ${perClone.reduce((a, b) => a + b, 0)} for ${logs.size} clones, max ${Math.max(0, ...perClone)} per clone in ${windowMs / 30_000} progress intervals`,
    );
    // The requests not being followed at measurement, by status: a clone the worker never started says why here.
    const statuses = new Map<string, number>();
    for (const id of ids) {
      const r = await s.store.get(id);
      const why = r?.result && !r.result.ok ? ` (${r.result.diagnosis.summary.slice(0, 100)})` : '';
      const key = r ? `${r.status}${why}` : 'missing';
      if (r?.status !== 'cloning') statuses.set(key, (statuses.get(key) ?? 0) + 1);
    }
    if (statuses.size > 0)
      console.log(`  not followed: ${[...statuses].map(([k, v]) => `${v} ${k}`).join(', ')}`);
  } finally {
    await s.close();
  }
}

async function chat(): Promise<void> {
  const n = 40;
  // ~20 s copies, one node allowed all 40 at once, progress every second, chat.update at Slack's 50/min.
  const s = await setup(
    { CLONE_CONCURRENCY_PER_NODE: '40', PROGRESS_INTERVAL_SECONDS: '1' },
    DISK_BYTES / 20,
  );
  try {
    s.slack.setRateLimit('chat.update', 50);
    const ids = await s.submit(n);
    const stoppedAt = new Map<string, number>();
    const repliedAt = new Map<string, number>();
    let maxRunning = 0;
    let lastStop = Number.POSITIVE_INFINITY;
    const t0 = Date.now();
    for (;;) {
      maxRunning = Math.max(maxRunning, runningClones(s).length);
      for (const id of ids) {
        const r = await s.store.get(id);
        const upid = r?.checkpoint?.upid;
        if (upid !== undefined && !stoppedAt.has(id) && s.pve.task(upid)?.status === 'stopped') {
          stoppedAt.set(id, Date.now());
        }
        if (r?.messageTs !== undefined && !repliedAt.has(id)) {
          // The final reply: a thread reply other than the progress reply.
          const result = s.slack
            .thread(CH, r.messageTs)
            .find((m) => m.ts !== r.progressTs && !/Cloning|Starting/.test(m.text));
          if (result !== undefined && r.progressTs !== undefined) repliedAt.set(id, Date.now());
        }
      }
      if (stoppedAt.size === n && lastStop === Number.POSITIVE_INFINITY) lastStop = Date.now();
      if (repliedAt.size === n || Date.now() - lastStop > 90_000 || Date.now() - t0 > 600_000) break;
      await sleep(100);
    }
    const delays = ids
      .filter((id) => stoppedAt.has(id) && repliedAt.has(id))
      .map((id) => ((repliedAt.get(id) as number) - (stoppedAt.get(id) as number)) / 1000);
    const span = (Math.max(...stoppedAt.values()) - t0) / 1000;
    console.log(`chat: ${n} clones of ~20 s, chat.update limited to 50/min, one worker process`);
    console.log(
      `  clone tasks running at once: max ${maxRunning}; all ${stoppedAt.size} tasks stopped ${span.toFixed(0)} s after queueing`,
    );
    console.log(
      `  task stop → final reply: max ${Math.max(0, ...delays).toFixed(1)} s, median ${(delays.toSorted((a, b) => a - b)[Math.floor(delays.length / 2)] ?? 0).toFixed(1)} s`,
    );
    console.log(`  final replies missing 90 s after the last task stopped: ${n - repliedAt.size}`);
    console.log(
      `  chat.update answered 429: ${s.slack.calls('chat.update').filter((c) => c.status === 429).length}`,
    );
  } finally {
    await s.close();
  }
}

const which = process.argv[2];
if (which === undefined || which === 'follow') await follow();
if (which === undefined || which === 'chat') await chat();
process.exit(0);
