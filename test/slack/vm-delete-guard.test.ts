import { LogLevel, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scaledClock } from '../../src/clock.ts';
import { type VmOwnership, vmDescription, vmTags } from '../../src/core/vm-record.ts';
import type { ProxmoxHttpClient } from '../../src/proxmox/index.ts';
import { type ProxmoxSim, startProxmoxSim } from '../../src/sim/proxmox/index.ts';
import { type SlackSim, startSlackSim } from '../../src/sim/slack/index.ts';
import { leaseDeleteAction } from '../../src/slack/listeners/actions/lease-actions.ts';
import { deleteSubcommand } from '../../src/slack/listeners/commands/vm-subcommands.ts';
import { vmButtonValue } from '../../src/slack/messages/vm-messages.ts';
import type { SlackServices } from '../../src/slack/slack-services.ts';
import { captureLogger } from '../proxmox/fake-proxmox.ts';
import { simClient } from '../vm/sim-client.ts';
import { waitFor } from './wait-for.ts';

// Slow enough that the first delete is still following its tasks (hundreds of real ms) when the second asks.
const clock = scaledClock(5);
const OWNER = 'U0REQUESTER';
let pve: ProxmoxSim;
let proxmox: ProxmoxHttpClient;
let slack: SlackSim;
let web: WebClient;

beforeAll(async () => {
  pve = await startProxmoxSim({ clock, authDelayMs: 0 });
  proxmox = simClient(pve, clock);
  slack = await startSlackSim({ clock });
  web = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, logLevel: LogLevel.ERROR });
});
afterAll(async () => {
  await proxmox.close();
  await pve.close();
  await slack.close();
});

describe('/clone delete and the Delete now button on the same VM at once', () => {
  test('one guard: Proxmox gets one stop and one DELETE, the second asker hears it is already being deleted', async () => {
    const o: VmOwnership = {
      requestId: 'cr-guard790',
      ownerId: OWNER,
      template: '112',
      expiresAt: clock.now() + 3_600_000,
    };
    pve.addVm({
      vmid: 790,
      node: 'pve1',
      status: 'running',
      config: {
        name: 'guard790',
        scsi0: 'local-lvm:vm-790-disk-0,size=4G',
        tags: vmTags(o),
        description: vmDescription(o),
      },
    });
    const log = captureLogger();
    const s = {
      vmLifecycle: proxmox,
      client: web,
      clock,
      logger: log.logger,
      config: { approvers: [] },
      cloneConfig: {},
      membership: { check: async () => 'no' },
    } as unknown as SlackServices;
    const im = (await web.conversations.open({ users: OWNER })).channel?.id as string;
    // The Delete now button in the owner's lease DM.
    const click = leaseDeleteAction(s)({
      ack: async () => undefined,
      body: { type: 'block_actions', user: { id: OWNER }, channel: { id: im } },
      action: { value: vmButtonValue({ vmid: 790, node: 'pve1', ownership: o }) },
      client: web,
    } as never);
    // The button's delete is under way (its stop task runs) when the owner also types /clone delete 790.
    await waitFor(
      () => pve.tasks().some((t) => t.id === '790' && t.type === 'qmstop'),
      'the first stop',
      10_000,
    );
    const answers: string[] = [];
    await deleteSubcommand.run({
      services: s,
      userId: OWNER,
      channelId: im,
      args: ['790'],
      respond: async (m) => void answers.push(m.text ?? ''),
    });
    await click;
    // With a guard each, both went on: two stops and two DELETEs (the simulator has no config file lock, so both
    // succeeded and the owner was DMed two deletions; Proxmox would fail the second for a VM it had deleted).
    expect(answers).toEqual([expect.stringContaining('VM 790 is already being deleted')]);
    expect(slack.ephemerals(OWNER).map((e) => e.text)).toEqual([
      expect.stringContaining('was stopped and deleted'),
    ]);
    expect(
      pve
        .tasks()
        .filter((t) => t.id === '790')
        .map((t) => t.type),
    ).toEqual(['qmstop', 'qmdestroy']);
    expect(pve.vm(790)).toBeUndefined();
    // The owner hears of one deletion, and the audit log has one.
    expect(slack.messages(im).filter((m) => m.text.includes('was stopped and deleted'))).toHaveLength(1);
    expect(
      log
        .text()
        .split('\n')
        .filter((l) => l.includes('VM 790 deleted on request')),
    ).toHaveLength(1);
  });
});
