import { systemClock } from '../../clock.ts';
import { ConfigError, loadConfig } from '../../config.ts';
import { formatInstant } from '../../core/lease.ts';
import type { ClonePolicy } from '../../core/template-policy.ts';
import type { Redis } from 'ioredis';
import { createRedis, describeRedis, type RedisConfig, redisConfigured } from '../../redis/create-redis.ts';
import { DEFAULT_PREFIX } from '../../requests/request-keys.ts';
import { isSlackUserId } from '../../slack/slack-lease-notifier.ts';
import { parseVmRef } from '../../slack/vm-actions.ts';
import { deleteOnRequest } from '../../vm/delete-on-request.ts';
import { findOurVms } from '../../vm/find-our-vms.ts';
import { reachableAddresses } from '../../vm/guest-addresses.ts';
import { redisLedger, withSweepLock } from '../../vm/start-lease-sweeper.ts';
import { memoryLedger, sweepLeases } from '../../vm/sweep-leases.ts';
import { silentLeaseNotifier } from '../../vm/types.ts';
import type { CliIo } from '../cli-command.ts';
import { EXIT } from '../cli-command.ts';
import { cliOperator } from '../cli-env.ts';
import { cliLeaseNotifier } from '../cli-lease-notifier.ts';
import { openProxmox } from '../open-proxmox.ts';

type Opened = Extract<ReturnType<typeof openProxmox>, { ok: true }>;

/** Config (proxmox, log, clone: CLONE_POLICY_FILE) and a Proxmox client, or the exit code after saying why not. */
async function withProxmox(
  io: CliIo,
  run: (o: Opened & { policy: ClonePolicy | undefined }) => Promise<number>,
): Promise<number> {
  let config: ReturnType<typeof loadConfig<'proxmox' | 'log' | 'clone'>>;
  try {
    config = loadConfig(io.env, ['proxmox', 'log', 'clone']);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(error.message);
    return EXIT.usage;
  }
  const opened = openProxmox(config);
  if (!opened.ok) {
    io.err(opened.message);
    return EXIT.usage;
  }
  try {
    return await run({ ...opened, policy: config.clone.policy });
  } catch (error) {
    // A bad SLACK_* or REDIS_* variable, read only by the command that needs it, is bad input too.
    if (error instanceof ConfigError) {
      io.err(error.message);
      return EXIT.usage;
    }
    io.err(`Proxmox: ${(error as Error).message}`);
    return EXIT.failed;
  } finally {
    await opened.client.close();
  }
}

/** `pve-clonebot list [--json]`: every clonebot VM (the CLI is an operator's tool: all of them). */
export async function runList(args: string[], io: CliIo): Promise<number> {
  const json = args.includes('--json');
  const rest = args.filter((a) => a !== '--json');
  if (rest.length > 0) {
    io.err(`Unknown argument '${rest[0]}': usage: pve-clonebot list [--json]`);
    return EXIT.usage;
  }
  return withProxmox(io, async ({ client }) => {
    const { ours, strangers } = await findOurVms(client);
    const rows = [];
    for (const vm of ours.sort((a, b) => a.vmid - b.vmid)) {
      let ips = { ipv4: [] as string[], ipv6: [] as string[] };
      if (vm.status === 'running')
        ips = await client
          .getGuestInterfaces(vm.node, vm.vmid)
          .then(reachableAddresses)
          .catch(() => ips);
      rows.push({
        vmid: vm.vmid,
        name: vm.name ?? null,
        node: vm.node,
        status: vm.status,
        lock: vm.lock ?? null,
        ipv4: ips.ipv4,
        ipv6: ips.ipv6,
        owner: vm.ownership.ownerName ?? vm.ownership.ownerId,
        ownerId: vm.ownership.ownerId,
        requestId: vm.ownership.requestId,
        template: vm.ownership.template,
        expiresAt:
          vm.ownership.expiresAt === undefined ? null : new Date(vm.ownership.expiresAt).toISOString(),
      });
    }
    if (json) {
      io.out(
        JSON.stringify(
          { vms: rows, notOurs: strangers.map((s) => ({ vmid: s.vmid, node: s.node, why: s.why.kind })) },
          null,
          2,
        ),
      );
      return EXIT.ok;
    }
    if (rows.length === 0) io.out('No clonebot VMs.');
    for (const r of rows)
      io.out(
        `${r.vmid}\t${r.name ?? '-'}\t${r.node}\t${r.status}${r.lock ? ` (lock ${r.lock})` : ''}\t${[...r.ipv4, ...r.ipv6].join(',') || '-'}\t${r.owner}\t${r.expiresAt === null ? 'no lease' : formatInstant(Date.parse(r.expiresAt))}`,
      );
    for (const s of strangers) io.out(`${s.vmid}\ttagged clonebot but not ours (${s.why.kind}): left alone`);
    return EXIT.ok;
  });
}

/** `pve-clonebot delete <vmid|name>`: stop and delete one clonebot VM, followed to its end. */
export async function runDelete(args: string[], io: CliIo): Promise<number> {
  const ref = parseVmRef(args[0]);
  if (ref === undefined || args.length !== 1) {
    io.err('Say which VM: pve-clonebot delete <vmid|name> (see pve-clonebot list)');
    return EXIT.usage;
  }
  return withProxmox(io, async ({ client, logger }) => {
    const { ours } = await findOurVms(client);
    const matches = ours.filter((vm) => ('name' in ref ? vm.name === ref.name : vm.vmid === ref.vmid));
    if (matches.length !== 1) {
      io.err(
        matches.length === 0
          ? `No clonebot VM ${args[0]} (pve-clonebot list shows them).`
          : `Several VMs are named ${args[0]}: give the VMID.`,
      );
      return EXIT.usage;
    }
    const vm = matches[0] as (typeof matches)[number];
    const notifier = cliLeaseNotifier(io.env, logger);
    const r = await deleteOnRequest(
      { proxmox: client, clock: systemClock, logger, notifier: notifier ?? silentLeaseNotifier },
      vm,
      cliOperator(io.env),
    );
    if (!r.ok) {
      io.err(r.text);
      return EXIT.failed;
    }
    io.out(r.text);
    // Slack's Delete DMs the owner: say plainly when this one did not.
    const owner = vm.ownership.ownerName ?? vm.ownership.ownerId;
    if (r.outcome === 'deleted' && !isSlackUserId(vm.ownership.ownerId))
      io.out(`The owner (${owner}) is not a Slack user: nobody was told.`);
    else if (r.outcome === 'deleted' && notifier === undefined)
      io.out(`The owner (${owner}) was not told: SLACK_BOT_TOKEN is not set, so the CLI sends no DM.`);
    return EXIT.ok;
  });
}

/**
 * `pve-clonebot leases sweep [--json]` for cron: one sweep; DMs when SLACK_BOT_TOKEN is set; with REDIS_URL or
 * REDIS_SENTINELS, under the worker's sweep lock (none when another sweep holds it) and warnings and refusals
 * DMed once.
 */
export async function runLeases(args: string[], io: CliIo): Promise<number> {
  const json = args.includes('--json');
  const rest = args.filter((a) => a !== '--json');
  if (rest[0] !== 'sweep' || rest.length !== 1) {
    io.err('Usage: pve-clonebot leases sweep [--json]');
    return EXIT.usage;
  }
  return withProxmox(io, async ({ client, logger, policy }) => {
    const slack = cliLeaseNotifier(io.env, logger);
    const notifier = slack ?? silentLeaseNotifier;
    const redisConfig = redisConfigured(io.env) ? loadConfig(io.env, ['redis']).redis : undefined;
    const redis =
      redisConfig === undefined
        ? undefined
        : createRedis(redisConfig, 'cli', {
            lazyConnect: true,
            maxRetriesPerRequest: 2,
            // A cron run gives up on a Redis that is down (ioredis's default reconnects for ever).
            retryStrategy: (times) => (times > 2 ? null : times * 200),
          });
    try {
      // A Redis out of reach does not stop the sweep (the VMs are the record): its ledger is then this run's,
      // and it takes no lock (there is nowhere to take it).
      let ledger = memoryLedger();
      let lockIn: Redis | undefined;
      if (redis !== undefined) {
        // Said once below; without a listener ioredis prints every retry's error.
        let firstError: unknown;
        redis.on('error', (err) => {
          firstError ??= err;
        });
        try {
          await redis.connect();
          // A run that DMs nobody (no SLACK_BOT_TOKEN) must not mark owners told in the shared ledger: the
          // worker's sweep would then never DM them.
          if (slack !== undefined) ledger = redisLedger(redis);
          lockIn = redis;
        } catch (err) {
          redis.disconnect();
          logger.warn(
            { err: String(firstError ?? err) },
            `leases sweep: ${describeRedis(redisConfig as RedisConfig)} could not be reached: swept without it, so the warnings and refusals DMed now are DMed again at the next run`,
          );
        }
      }
      const sweep = () =>
        sweepLeases({
          proxmox: client,
          clock: systemClock,
          logger,
          notifier,
          ledger,
          ...(policy !== undefined ? { policy } : {}),
        });
      // The worker's own lock: a cron run and the worker's sweep must not act on the same VMs at once. When it
      // is held, another sweep is doing this very work: say so and exit 0 (cron's next run, or the worker's
      // every 5 minutes, sweeps again) rather than wait for it.
      const swept =
        lockIn === undefined
          ? { ran: true as const, value: await sweep() }
          : await withSweepLock(lockIn, DEFAULT_PREFIX, sweep);
      if (!swept.ran) {
        const text =
          "Another lease sweep is running (the worker's, or another leases sweep on this Redis): nothing swept by this run; the next one sweeps.";
        io.out(json ? JSON.stringify({ skipped: text }, null, 2) : text);
        return EXIT.ok;
      }
      const report = swept.value;
      // The ledger then lives only as long as this run: from cron, every run DMs the same warnings again.
      if (
        slack !== undefined &&
        redis === undefined &&
        report.warned.length + report.refused.length + report.failed.length > 0
      )
        logger.warn(
          "leases sweep: REDIS_URL is not set, so no run remembers the DMs sent: the next one DMs these owners again (set REDIS_URL to the bot's Redis to DM each once)",
        );
      if (json) io.out(JSON.stringify(report, null, 2));
      else {
        io.out(
          `checked ${report.checked} clonebot VMs: ${report.deleted.length} deleted, ${report.warned.length} owners warned, ${report.refused.length} left alone, ${report.failed.length} failed`,
        );
        for (const r of report.refused) io.out(`  left alone: VM ${r.vmid} on ${r.node}: ${r.reason}`);
        for (const r of report.failed) io.out(`  FAILED: VM ${r.vmid} on ${r.node}: ${r.reason}`);
        // The worker's sweep DMs each of these: say plainly when this one told nobody (as delete does).
        const events =
          report.warned.length + report.deleted.length + report.refused.length + report.failed.length;
        if (slack === undefined && events > 0)
          io.out(
            'The owners were not told: SLACK_BOT_TOKEN is not set, so the CLI sends no DM (the audit log has each event).',
          );
      }
      return report.failed.length > 0 ? EXIT.failed : EXIT.ok;
    } finally {
      redis?.disconnect();
    }
  });
}
