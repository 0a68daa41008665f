import { afterEach, describe, expect, it } from 'vitest';
import { CH, type E2E, REQUESTER, startE2E, TRANSPORTS, textOf } from './e2e-harness.ts';
import { waitFor } from './wait-for.ts';

let w: E2E | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** The thread once the result reply (the second reply) is there. */
const finished = (e2e: E2E, parent: Parameters<E2E['thread']>[0]) => e2e.thread(parent, (r) => r.length >= 2);

describe.each(TRANSPORTS)('e2e over %s: /clone → approve → progress → result', (transport) => {
  it('a full clone: progress reply edited with phase and percent, then a success reply with the VM link', async () => {
    w = await startE2E({}, 100, { transport });
    const { parent, id } = await w.request('112 as e2e-web on pve1');
    expect(textOf(parent)).toContain('Approve');
    await w.approve(parent);
    const replies = await finished(w, parent);
    const [progress, result] = replies;
    expect(progress?.updates).toBeGreaterThanOrEqual(2);
    const edits = w.slack.calls('chat.update').filter((c) => c.args.ts === progress?.ts);
    expect(edits.some((c) => JSON.stringify(c.args).includes('Cloning'))).toBe(true);
    expect(edits.some((c) => /\d+%/.test(JSON.stringify(c.args)))).toBe(true);
    expect(textOf(progress)).toContain('Clone finished');
    const record = await w.services.store.get(id);
    expect(record?.status).toBe('done');
    const vmid = record?.result?.ok ? record.result.vmid : -1;
    expect(textOf(result)).toContain(`VM ${vmid}`);
    expect(textOf(result)).toContain(`qemu%2F${vmid}`);
    expect(textOf(result)).toContain('<@U0REQUESTER>');
    expect(w.pve.vm(vmid)?.config.name).toBe('e2e-web');
    expect(w.clonePosts()).toBe(1);
    // The worker's progress edits drew on the budget shared through Redis (the services' wiring).
    expect(await w.redis.hget(`${w.prefix}slack:chat-update-budget`, 'tokens')).toMatch(/^-?\d/);
    const done = await w.slack.waitUntil(() =>
      textOf(w?.slack.message(CH, parent.ts)).includes('Done') ? true : undefined,
    );
    expect(done).toBe(true);
    expect(textOf(w.slack.message(CH, parent.ts))).not.toContain('clone_approve');
    // The command and the click came the way this run says: envelopes over the socket, or signed POSTs.
    const envelopes = w.slack.socketMode.envelopes().map((e) => e.type);
    expect(envelopes).toEqual(transport === 'socket' ? ['slash_commands', 'interactive'] : []);
    // /healthz answers on PORT in both modes; in Socket Mode it includes the WebSocket's state.
    const health = await fetch(`http://127.0.0.1:${w.services.port}/healthz`);
    const checks = ((await health.json()) as { checks: Record<string, string> }).checks;
    expect(health.status).toBe(200);
    expect(checks.slack_socket).toBe(transport === 'socket' ? 'ok' : undefined);
  });

  it('a template that lost its boot disk after the request: failure reply with the diagnosis, no clone POST', async () => {
    w = await startE2E({}, 100, { transport });
    const { parent, id } = await w.request('9105 as e2e-rocky on pve1');
    w.pve.faults.removeBootDisk(9105);
    await w.approve(parent);
    const [, result] = await finished(w, parent);
    expect(textOf(result)).toContain('missing boot disk');
    expect(textOf(result)).toContain('What to do');
    expect(w.clonePosts()).toBe(0);
    expect((await w.services.store.get(id))?.status).toBe('failed');
  });

  it('requesting a template without a boot disk is refused up front, ephemerally, with nothing queued', async () => {
    w = await startE2E({}, 100, { transport });
    await w.slack.slashCommand({ userId: REQUESTER, channelId: CH, text: '113 as e2e-x on pve1' });
    const reply = await w.slack.waitUntil(() =>
      w?.slack.ephemerals(REQUESTER).find((e) => e.source === 'response_url'),
    );
    expect(reply.text).toMatch(/boot disk/i);
    expect(w.slack.messages(CH)).toEqual([]);
    expect(await w.services.store.listRecent(5)).toEqual([]);
    expect(w.clonePosts()).toBe(0);
  });

  it('a clone failing mid-copy: failure reply quoting Proxmox’s own task error', async () => {
    w = await startE2E({}, 100, { transport });
    const { parent, id } = await w.request('112 as e2e-fail on pve1');
    w.pve.faults.failClone('write error: No space left on device', { atPercent: 30 });
    await w.approve(parent);
    const [progress, result] = await finished(w, parent);
    expect(textOf(result)).toContain('No space left on device');
    expect(textOf(result)).not.toMatch(/timed out|timeout/i);
    expect(textOf(progress)).toContain('Clone failed');
    expect((await w.services.store.get(id))?.status).toBe('failed');
    await w.slack.waitUntil(() =>
      textOf(w?.slack.message(CH, parent.ts)).includes('Failed') ? true : undefined,
    );
  });

  it('two approvers clicking at once start one clone', async () => {
    w = await startE2E({}, 100, { transport });
    const { parent } = await w.request('112 as e2e-twice on pve1');
    await Promise.all([w.approve(parent, 'U0APPROVER'), w.approve(parent, 'U0BOSS')]);
    await finished(w, parent);
    expect(w.clonePosts()).toBe(1);
    const told = [...w.slack.ephemerals('U0APPROVER'), ...w.slack.ephemerals('U0BOSS')];
    expect(told.map((e) => e.text).join(' ')).toContain('already approved');
  });

  it('Slack 429s on progress edits skip those edits; the result is still delivered', async () => {
    w = await startE2E({}, 50, { transport });
    const { parent, id } = await w.request('112 as e2e-busy on pve1');
    await w.approve(parent);
    // Once the clone is under way, the next progress edits meet Slack's rate limit.
    await w.thread(parent, (r) => (r[0]?.updates ?? 0) >= 1);
    w.slack.injectFault('chat.update', { type: 'ratelimited', retryAfterSeconds: 1 }, 3);
    const [, result] = await finished(w, parent);
    expect(textOf(result)).toContain('is ready');
    const limited = w.slack.calls('chat.update').filter((c) => c.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    await waitFor(async () => (await w?.services.store.get(id))?.resultDelivered, 'delivery flag');
  });

  it('a cancel while cloning stops the Proxmox task and the thread reports it', async () => {
    w = await startE2E({}, 50, { transport });
    const { parent, id } = await w.request('112 as e2e-stop on pve1');
    await w.approve(parent);
    await w.thread(parent, (r) => r.length === 1 && textOf(r[0]).includes('Cloning disk'));
    await w.slack.slashCommand({ userId: REQUESTER, channelId: CH, text: `cancel ${id}` });
    const [progress, result] = await finished(w, parent);
    expect(textOf(result)).toMatch(/cancel/i);
    expect(textOf(progress)).toContain('Clone cancelled');
    const task = w.pve.tasks().find((t) => t.type === 'qmclone');
    expect(task?.status).toBe('stopped');
    expect(task?.exitstatus).not.toBe('OK');
    expect((await w.services.store.get(id))?.status).toBe('cancelled');
    expect(textOf(w.slack.message(CH, parent.ts))).toContain('Cancelled');
  });
});
