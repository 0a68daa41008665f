import type { WebClient } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import type { CloneRequestRecord, RequestStatus } from '../../src/requests/types.ts';
import { syncRequestMessage } from '../../src/slack/sync-request-message.ts';

const base: CloneRequestRecord = {
  id: 'cr-aaaaaaaa',
  request: { template: { kind: 'vmid', vmid: 112 }, name: 'web1', node: 'pve1', mode: 'full' },
  text: '112 as web1 on pve1',
  requester: { userId: 'U0REQUESTER' },
  channelId: 'C0CLONES',
  messageTs: '1.000100',
  status: 'approved',
  createdAt: 0,
  expiresAt: 1,
  decidedBy: 'U0BOSS',
};

/** A chat.update that records the status each edit showed (from its text), and a store moving on meanwhile. */
function fakes(statusesSeen: RequestStatus[]) {
  const shown: string[] = [];
  const client = {
    chat: {
      update: async (args: { text?: string }) => {
        shown.push(args.text ?? '');
        return { ok: true };
      },
    },
  } as unknown as WebClient;
  let reads = 0;
  const store = {
    get: async () => ({ ...base, status: statusesSeen[Math.min(reads++, statusesSeen.length - 1)] }),
  } as unknown as { get: (id: string) => Promise<CloneRequestRecord> };
  return { client, store, shown };
}

describe('syncRequestMessage', () => {
  it('edits again when the request moved on while its edit was in flight (a worker edited "cloning" first)', async () => {
    const f = fakes(['cloning', 'cloning']);
    await syncRequestMessage(f.client, f.store, base, createLogger('silent'));
    expect(f.shown).toHaveLength(2);
    expect(f.shown[1]).not.toEqual(f.shown[0]);
  });

  it('edits once when nothing moved', async () => {
    const f = fakes(['approved']);
    await syncRequestMessage(f.client, f.store, base, createLogger('silent'));
    expect(f.shown).toHaveLength(1);
  });

  it('stops after a bounded number of edits however often the request changes', async () => {
    const f = fakes(['cloning', 'done', 'failed', 'cancelled', 'done', 'failed']);
    await syncRequestMessage(f.client, f.store, base, createLogger('silent'));
    expect(f.shown.length).toBeLessThanOrEqual(4);
  });
});
