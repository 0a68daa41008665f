import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ClonePolicy } from '../../src/core/template-policy.ts';
import { type VmOwnership, vmDescription, vmTags } from '../../src/core/vm-record.ts';
import type { ProxmoxHttpClient } from '../../src/proxmox/index.ts';
import { type ProxmoxSim, startProxmoxSim } from '../../src/sim/proxmox/index.ts';
import type { SlackServices } from '../../src/slack/slack-services.ts';
import { deleteVm, extendVm } from '../../src/slack/vm-actions.ts';
import type { LeaseNotifier } from '../../src/vm/types.ts';
import { captureLogger } from '../proxmox/fake-proxmox.ts';
import { ManualClock } from '../sim/slack/manual-clock.ts';
import { simClient } from '../vm/sim-client.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const OWNER = 'U0OWNER1';
const APPROVER = 'U0APPROV1';
const clock = new ManualClock();
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

function addOurs(
  vmid: number,
  template: string,
  expiresAt: number,
  extra: Record<string, string | number> = {},
) {
  const o: VmOwnership = {
    requestId: `cr-act${vmid}`,
    ownerId: OWNER,
    ownerName: 'alice',
    template,
    expiresAt,
  };
  sim.addVm({
    vmid,
    node: 'pve1',
    config: { name: `act${vmid}`, tags: vmTags(o), description: vmDescription(o), ...extra },
  });
}

/** The parts of SlackServices the VM actions read, around the simulator and a recording notifier. */
function services(policy?: ClonePolicy) {
  const log = captureLogger();
  const dms: string[] = [];
  const leaseNotifier: LeaseNotifier = {
    expiring: async () => true,
    expired: async () => undefined,
    extended: async (vm, at, by) => void dms.push(`extended ${vm.vmid} ${at} ${by}`),
    deleted: async (vm, by) => void dms.push(`deleted ${vm.vmid} ${by}`),
    refused: async (vm, reason) => {
      dms.push(`refused ${vm.vmid} ${reason}`);
      return true;
    },
  };
  const s = {
    vmLifecycle: client,
    clock,
    logger: log.logger,
    leaseNotifier,
    config: { approvers: [APPROVER] },
    cloneConfig: { policy },
    membership: { check: async (ids: string[], user: string) => (ids.includes(user) ? 'yes' : 'no') },
  } as unknown as SlackServices;
  return { s, dms, log };
}

const policy: ClonePolicy = { defaults: {}, templates: { '112': { lease: { maxMs: 3 * DAY } } } };

describe('Slack VM actions', () => {
  test("extend is bounded by the VM's template maximum (CLONE_POLICY_FILE), not the 14-day default", async () => {
    const now = clock.now();
    addOurs(701, '112', now + HOUR);
    addOurs(702, '113', now + HOUR);
    const { s } = services(policy);
    const tooLong = await extendVm(s, OWNER, { vmid: 701 }, 5 * DAY);
    expect(tooLong.ok).toBe(false);
    expect(tooLong.text).toContain('past the maximum of 3d');
    expect((await extendVm(s, OWNER, { vmid: 701 }, 2 * DAY)).ok).toBe(true);
    // Another template has no entry: the default maximum (14 days) stands.
    expect((await extendVm(s, OWNER, { vmid: 702 }, 5 * DAY)).ok).toBe(true);
    // An approver may go past the template's maximum.
    expect((await extendVm(s, APPROVER, { vmid: 701 }, 5 * DAY)).ok).toBe(true);
  });

  test('a refused delete is audited (who, which VM, why) like every other action', async () => {
    addOurs(711, '112', clock.now() + DAY, { protection: 1 });
    const { s, log } = services();
    const stranger = await deleteVm(s, 'U0SOMEONE', { vmid: 711 });
    expect(stranger.ok).toBe(false);
    const prot = await deleteVm(s, OWNER, { vmid: 711 });
    expect(prot.ok).toBe(false);
    const audits = log
      .text()
      .split('\n')
      .filter((l) => l.includes('"audit":true'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audits).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          vmid: 711,
          by: 'U0SOMEONE',
          reason: expect.stringContaining('only its owner'),
        }),
        expect.objectContaining({ vmid: 711, by: OWNER, reason: expect.stringContaining('protect') }),
      ]),
    );
    expect(sim.vm(711)).toBeDefined();
  });
});
