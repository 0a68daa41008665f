import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackSim, startSlackSim } from '../../src/sim/slack/index.ts';
import { createSlackLeaseNotifier } from '../../src/slack/slack-lease-notifier.ts';
import type { OurVm } from '../../src/vm/types.ts';
import { captureLogger } from '../proxmox/fake-proxmox.ts';

let slack: SlackSim;
beforeAll(async () => {
  slack = await startSlackSim();
});
afterAll(() => slack.close());

const vm = {
  vmid: 812,
  node: 'pve1',
  name: 'dev-box',
  ownership: { requestId: 'cr-1', ownerId: 'U0REQUESTER', template: '112', expiresAt: 0 },
} as unknown as OurVm;

/** The texts of the bot's DMs with the owner so far. */
async function dmTexts(client: WebClient): Promise<string[]> {
  const im = await client.conversations.open({ users: 'U0REQUESTER' });
  return slack.messages(im.channel?.id as string).map((m) => m.text);
}

describe('lease DMs name who acted as a mention, not a raw user id', () => {
  it('an extension and a deletion by an approver', async () => {
    const client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl });
    const notifier = createSlackLeaseNotifier(client, captureLogger().logger);
    await notifier.extended(vm, Date.parse('2027-01-15T00:00:00Z'), 'U0APPROVER');
    await notifier.deleted(vm, 'U0APPROVER');
    await notifier.deleted(vm, 'cli:root');
    const texts = await dmTexts(client);
    expect(texts.some((t) => /lease extended to .* by <@U0APPROVER>, an approver\./.test(t))).toBe(true);
    expect(texts.some((t) => /was stopped and deleted by <@U0APPROVER>\./.test(t))).toBe(true);
    expect(texts.some((t) => /was stopped and deleted by cli:root\./.test(t))).toBe(true);
    expect(texts.join('\n')).not.toMatch(/\(U0APPROVER\)|by U0APPROVER/);
  });
});
