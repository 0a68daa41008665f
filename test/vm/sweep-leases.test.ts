import { LogLevel, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scaledClock } from '../../src/clock.ts';
import { type VmOwnership, vmDescription, vmTags } from '../../src/core/vm-record.ts';
import type { ProxmoxHttpClient } from '../../src/proxmox/index.ts';
import { type ProxmoxSim, startProxmoxSim } from '../../src/sim/proxmox/index.ts';
import { startSlackSim } from '../../src/sim/slack/index.ts';
import { createSlackLeaseNotifier } from '../../src/slack/slack-lease-notifier.ts';
import { extendLease } from '../../src/vm/extend-lease.ts';
import { findOurVms } from '../../src/vm/find-our-vms.ts';
import { redisLedger } from '../../src/vm/start-lease-sweeper.ts';
import { memoryLedger, sweepLeases } from '../../src/vm/sweep-leases.ts';
import { type LeaseNotifier, silentLeaseNotifier } from '../../src/vm/types.ts';
import { captureLogger } from '../proxmox/fake-proxmox.ts';
import { connect, deleteKeys, freshPrefix } from '../requests/redis-fixture.ts';
import { simClient } from './sim-client.ts';

const clock = scaledClock(500);
const HOUR = 3_600_000;
let sim: ProxmoxSim;
let client: ProxmoxHttpClient;

beforeAll(async () => {
  sim = await startProxmoxSim({ clock, authDelayMs: 0 });
  client = simClient(sim, clock);
});
afterAll(async () => {
  await client.close();
  await sim.close();
});

const owner = (vmid: number, expiresAt: number | undefined, name = 'alice'): VmOwnership => ({
  requestId: `cr-sweep${vmid}`,
  ownerId: 'U123',
  ownerName: name,
  template: '112',
  ...(expiresAt === undefined ? {} : { expiresAt }),
});

function addOurs(vmid: number, o: VmOwnership, extra: Record<string, string | number> = {}) {
  sim.addVm({
    vmid,
    node: 'pve1',
    status: extra.running ? 'running' : 'stopped',
    config: {
      name: `lease${vmid}`,
      scsi0: `local-lvm:vm-${vmid}-disk-0,size=4G`,
      tags: vmTags(o),
      description: vmDescription(o),
      ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'running')),
    },
  });
}

function recorder() {
  const events: string[] = [];
  const notifier: LeaseNotifier = {
    expiring: async (vm) => {
      events.push(`expiring ${vm.vmid}`);
      return true;
    },
    expired: async (vm) => void events.push(`expired ${vm.vmid}`),
    extended: async (vm) => void events.push(`extended ${vm.vmid}`),
    deleted: async (vm) => void events.push(`deleted ${vm.vmid}`),
    refused: async (vm, reason) => {
      events.push(`refused ${vm.vmid}: ${reason}`);
      return true;
    },
  };
  return { events, notifier };
}

describe('lease sweep against the simulator', () => {
  test('expired: stopped and deleted (followed to the end); soon: warned once; others left alone and reported', async () => {
    const now = clock.now();
    addOurs(600, owner(600, now - HOUR), { running: 1 });
    addOurs(601, owner(601, now + 2 * HOUR));
    addOurs(602, owner(602, now + 10 * 24 * HOUR));
    addOurs(603, owner(603, now - HOUR), { lock: 'backup' });
    addOurs(604, owner(604, now - HOUR), { template: 1 });
    // Someone changed the owner tag: tags and record disagree.
    addOurs(605, owner(605, now - HOUR), { tags: 'clonebot;owner-mallory' });
    // No tag at all: never even read.
    sim.addVm({
      vmid: 606,
      node: 'pve1',
      config: { name: 'other', description: vmDescription(owner(606, now - HOUR)) },
    });
    addOurs(607, owner(607, undefined));
    const { events, notifier } = recorder();
    const ledger = memoryLedger();
    const log = captureLogger();
    const configReadsBefore = sim.requests.filter('GET', /\/qemu\/\d+\/config$/).length;
    const report = await sweepLeases({
      proxmox: client,
      clock,
      logger: log.logger,
      notifier,
      ledger,
      pollMs: 200,
    });
    expect(report.deleted).toEqual([600]);
    expect(report.warned).toEqual([601]);
    expect(report.failed).toEqual([]);
    expect(report.refused.map((r) => r.vmid).sort()).toEqual([603, 604, 605]);
    expect(report.refused.find((r) => r.vmid === 603)?.reason).toContain('locked (backup)');
    expect(report.refused.find((r) => r.vmid === 605)?.reason).toContain('tags and lease record disagree');
    expect(report.refused.find((r) => r.vmid === 604)?.reason).toContain('template');
    expect(sim.vm(600)).toBeUndefined();
    for (const kept of [601, 602, 603, 604, 605, 606, 607]) expect(sim.vm(kept)).toBeDefined();
    const tasks = sim
      .tasks()
      .filter((t) => t.id === '600')
      .map((t) => [t.type, t.exitstatus]);
    expect(tasks).toEqual([
      ['qmstop', 'OK'],
      ['qmdestroy', 'OK'],
    ]);
    expect(sim.requests.filter('DELETE', '/nodes/pve1/qemu/600')[0]?.query).toBe(
      '?purge=1&destroy-unreferenced-disks=1',
    );
    expect(events).toContain('expiring 601');
    expect(events).toContain('expired 600');
    expect(events.some((e) => e.startsWith('refused 603'))).toBe(true);
    // One config read per tagged VM (600-605, 607), none for the untagged 606.
    expect(sim.requests.filter('GET', /\/qemu\/\d+\/config$/).length - configReadsBefore).toBe(7 + 1);
    // A second sweep warns nobody again.
    const again = await sweepLeases({
      proxmox: client,
      clock,
      logger: log.logger,
      notifier,
      ledger,
      pollMs: 200,
    });
    expect(again.warned).toEqual([]);
    expect(again.deleted).toEqual([]);
  });

  test('a refused or failed expiry is DMed once per lease end and reason, audited on every sweep', async () => {
    const now = clock.now();
    addOurs(640, owner(640, now - HOUR), { lock: 'backup' });
    addOurs(641, owner(641, now - HOUR), { protection: 1 });
    addOurs(642, owner(642, now - HOUR));
    sim.faults.flap({ method: 'DELETE', path: '/nodes/pve1/qemu/642', count: 4, status: 503 });
    const { events, notifier } = recorder();
    const ledger = memoryLedger();
    const log = captureLogger();
    const sweep = () =>
      sweepLeases({ proxmox: client, clock, logger: log.logger, notifier, ledger, pollMs: 200 });
    const dms = (vmid: number) => events.filter((e) => e.startsWith(`refused ${vmid}:`));
    for (let i = 0; i < 2; i++) {
      const report = await sweep();
      expect(report.refused.map((r) => r.vmid)).toEqual(expect.arrayContaining([640, 641]));
      expect(report.failed.map((r) => r.vmid)).toEqual([642]);
    }
    // Two sweeps, one DM each: the locked one, the protected one (refused by destroyOurVm), the failed one.
    expect([dms(640).length, dms(641).length, dms(642).length]).toEqual([1, 1, 1]);
    expect(dms(640)[0]).toContain('locked (backup)');
    expect(dms(641)[0]).toContain('protection');
    expect(dms(642)[0]).toContain('deleting failed');
    // Every attempt is still in the audit log, saying whether the owner was told this time.
    const audits = log
      .text()
      .split('\n')
      .filter((l) => l.includes('"audit":true') && l.includes('"vmid":640'));
    expect(audits.map((l) => JSON.parse(l).ownerTold)).toEqual([true, false]);
    // The lease record gets a new end (still past): the same refusals are news again, once.
    for (const vmid of [640, 641, 642]) {
      if (vmid === 640) sim.faults.lockVm(640, undefined);
      await client.updateVmConfig('pve1', vmid, {
        description: vmDescription(owner(vmid, now - HOUR / 2)),
      });
    }
    sim.faults.lockVm(640, 'backup');
    await sweep();
    await sweep();
    expect([dms(640).length, dms(641).length, dms(642).length]).toEqual([2, 2, 2]);
    expect(sim.vm(642)).toBeDefined();
  });

  test('ownerTold says whether a DM went out: not with the silent notifier (a cron CLI without SLACK_BOT_TOKEN)', async () => {
    addOurs(645, owner(645, clock.now() - HOUR), { lock: 'backup' });
    const log = captureLogger();
    await sweepLeases({
      proxmox: client,
      clock,
      logger: log.logger,
      notifier: silentLeaseNotifier,
      ledger: memoryLedger(),
    });
    const audits = log
      .text()
      .split('\n')
      .filter((l) => l.includes('"audit":true') && l.includes('"vmid":645'))
      .map((l) => JSON.parse(l));
    expect(audits.map((l) => [l.msg.includes('locked (backup)'), l.ownerTold])).toEqual([[true, false]]);
    sim.faults.lockVm(645, undefined);
    sim.faults.removeVm(645);
  });

  test('the once-per-refusal DM holds across processes: two workers (or cron runs) on one Redis ledger', async () => {
    addOurs(650, owner(650, clock.now() - HOUR), { lock: 'snapshot' });
    const prefix = freshPrefix();
    const [a, b] = [connect(), connect()];
    try {
      const { events, notifier } = recorder();
      for (const redis of [a, b])
        await sweepLeases({
          proxmox: client,
          clock,
          logger: captureLogger().logger,
          notifier,
          ledger: redisLedger(redis, prefix),
        });
      expect(events.filter((e) => e.startsWith('refused 650:'))).toHaveLength(1);
    } finally {
      await deleteKeys(a, prefix);
      a.disconnect();
      b.disconnect();
    }
  });

  test('a VM removed by someone else before the DELETE: audited as already gone, no deletion DMed', async () => {
    addOurs(650, owner(650, clock.now() - HOUR), { running: 1 });
    const unwatch = sim.watchVm(650, (vm) => {
      if (vm?.status === 'stopped') sim.faults.removeVm(650);
    });
    const { events, notifier } = recorder();
    const log = captureLogger();
    await sweepLeases({
      proxmox: client,
      clock,
      logger: log.logger,
      notifier,
      ledger: memoryLedger(),
      pollMs: 200,
    });
    unwatch();
    const audits = log
      .text()
      .split('\n')
      .filter((l) => l.includes('"audit":true') && l.includes('"vmid":650'))
      .map((l) => JSON.parse(l).msg);
    expect(audits).toEqual(['lease of VM 650 expired: it was already gone, nothing deleted']);
    expect(events.filter((e) => e.includes('650'))).toEqual([]);
  });

  test("the warning's Extend bound is the VM's template maximum from CLONE_POLICY_FILE", async () => {
    const now = clock.now();
    addOurs(630, { ...owner(630, now + HOUR), template: '113' });
    const offered = new Map<number, number>();
    const notifier: LeaseNotifier = {
      ...recorder().notifier,
      expiring: async (vm, max) => {
        offered.set(vm.vmid, max);
        return true;
      },
    };
    const policy = { defaults: {}, templates: { '113': { lease: { maxMs: 2 * 24 * HOUR } } } };
    const before = clock.now();
    await sweepLeases({
      proxmox: client,
      clock,
      logger: captureLogger().logger,
      notifier,
      ledger: memoryLedger(),
      policy,
    });
    // 601 (template 112, no entry) keeps the 14-day default; 630 (template 113) gets its 2 days.
    expect(offered.get(630)).toBeGreaterThanOrEqual(before + 2 * 24 * HOUR);
    expect(offered.get(630)).toBeLessThan(before + 3 * 24 * HOUR);
    expect(offered.get(601)).toBeGreaterThanOrEqual(before + 14 * 24 * HOUR);
  });

  test('extend: within the maximum for the owner, beyond it only for an approver; the VM carries the new end', async () => {
    const now = clock.now();
    addOurs(620, owner(620, now + HOUR));
    const max = 14 * 24 * HOUR;
    const ok = await extendLease(
      client,
      { vmid: 620, node: 'pve1' },
      { byMs: 2 * 24 * HOUR, now, maxLeaseMs: max, approver: false },
    );
    expect(ok).toMatchObject({ ok: true, expiresAt: now + HOUR + 2 * 24 * HOUR });
    const found = (await findOurVms(client)).ours.find((v) => v.vmid === 620);
    expect(found?.ownership).toMatchObject({ expiresAt: now + HOUR + 2 * 24 * HOUR, extensions: 1 });
    const tooLong = await extendLease(
      client,
      { vmid: 620, node: 'pve1' },
      { byMs: 20 * 24 * HOUR, now, maxLeaseMs: max, approver: false },
    );
    expect(tooLong).toMatchObject({ ok: false, needsApprover: true });
    expect((tooLong as { reason: string }).reason).toContain('past the maximum of 14d');
    expect(
      (
        await extendLease(
          client,
          { vmid: 620, node: 'pve1' },
          { byMs: 20 * 24 * HOUR, now, maxLeaseMs: max, approver: true },
        )
      ).ok,
    ).toBe(true);
    sim.faults.lockVm(620, 'backup');
    const locked = await extendLease(
      client,
      { vmid: 620, node: 'pve1' },
      { byMs: HOUR, now, maxLeaseMs: max, approver: true },
    );
    expect(locked).toEqual({ ok: false, reason: 'Proxmox refused the change: VM is locked (backup)' });
  });
});

describe('a once-only DM that fails is not remembered as sent', () => {
  test('Slack failing (5xx, ratelimited past the retries): the warning and the refusal are DMed at the next sweep, then never again', async () => {
    const slack = await startSlackSim();
    const prefix = freshPrefix();
    const redis = connect();
    try {
      const now = clock.now();
      const mine = (vmid: number, end: number) => ({ ...owner(vmid, end), ownerId: 'U0REQUESTER' });
      addOurs(660, mine(660, now + HOUR));
      addOurs(661, mine(661, now - HOUR), { lock: 'backup' });
      // No retries: each DM is one chat.postMessage, so the faults below meet exactly the first sweep's two.
      const web = new WebClient(slack.botToken, {
        slackApiUrl: slack.apiUrl,
        retryConfig: { retries: 0 },
        logLevel: LogLevel.ERROR,
      });
      const log = captureLogger();
      const notifier = createSlackLeaseNotifier(web, log.logger);
      const toRiley = (args: Record<string, unknown>) => args.channel === 'U0REQUESTER';
      slack.injectFault('chat.postMessage', { type: 'http', status: 503 }, 1, toRiley);
      slack.injectFault('chat.postMessage', { type: 'ratelimited', retryAfterSeconds: 0 }, 1, toRiley);
      const ledger = redisLedger(redis, prefix);
      const sweep = () => sweepLeases({ proxmox: client, clock, logger: log.logger, notifier, ledger });
      const im = (await web.conversations.open({ users: 'U0REQUESTER' })).channel?.id as string;
      const dmed = () =>
        slack
          .messages(im)
          .map((m) => (m.text.includes('660') ? 660 : m.text.includes('661') ? 661 : 0))
          .sort();
      await sweep();
      expect(dmed()).toEqual([]);
      await sweep();
      expect(dmed()).toEqual([660, 661]);
      await sweep();
      expect(dmed()).toEqual([660, 661]);
      // The audit log says what happened each time: not told (and why), then told, then nothing new to tell.
      const audits = (vmid: number) =>
        log
          .text()
          .split('\n')
          .filter((l) => l.includes('"audit":true') && l.includes(`"vmid":${vmid}`))
          .map((l) => JSON.parse(l));
      expect(audits(660).map((a) => [a.ownerTold, a.msg])).toEqual([
        [
          false,
          expect.stringContaining(
            'the owner could not be warned (the DM failed): the next sweep tries again',
          ),
        ],
        [true, expect.stringContaining('owner warned')],
      ]);
      expect(audits(660)[0].dmError).toBeTruthy();
      expect(audits(661).map((a) => a.ownerTold)).toEqual([false, true, false]);
      expect(audits(661)[0].dmError).toBeTruthy();
    } finally {
      sim.faults.lockVm(661, undefined);
      sim.faults.removeVm(660);
      sim.faults.removeVm(661);
      await deleteKeys(redis, prefix);
      redis.disconnect();
      await slack.close();
    }
  });
});
