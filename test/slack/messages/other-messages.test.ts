import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../../src/core/format.ts';
import { CLONE_USAGE } from '../../../src/core/parse-clone-command.ts';
import { checkMessageBlocks, checkView } from '../../../src/sim/slack/block-limits.ts';
import { renderCloneModal } from '../../../src/slack/messages/clone-modal.ts';
import { renderDenyModal } from '../../../src/slack/messages/deny-modal.ts';
import {
  renderCommandError,
  renderNotice,
  renderRefusal,
} from '../../../src/slack/messages/error-message.ts';
import { approvalTtl, renderHelp } from '../../../src/slack/messages/help-message.ts';
import { codeBlock, truncate } from '../../../src/slack/messages/slack-limits.ts';
import { renderRecentRequests, renderRequestStatus } from '../../../src/slack/messages/status-message.ts';
import { sampleProgress, sampleRecord } from '../fixtures.ts';

describe('help, errors and status', () => {
  it('help lists the grammar, subcommands and approval rule', () => {
    const m = renderHelp({
      subcommands: [{ usage: '/clone status [request-id]', description: 'state' }],
      requireApproval: true,
      approvalTtlMs: 86_400_000,
    });
    expect(m).toMatchSnapshot();
    expect(m.text).toContain(CLONE_USAGE);
    expect(JSON.stringify(m.blocks)).toContain('undecided requests expire after 24 hours.');
    expect([
      approvalTtl(3_600_000),
      approvalTtl(172_800_000),
      approvalTtl(5_400_000),
      approvalTtl(90_500),
    ]).toEqual(['1 hour', '2 days', '90 minutes', formatDuration(90_500)]);
  });

  it('a refusal of a well-formed request has no usage line; every text escapes what the user typed', () => {
    const m = renderRefusal("A VM named 'web-1' already exists (VM 104 on pve1).", 'Pick another name.');
    expect(JSON.stringify(m)).not.toContain('Usage');
    expect(m.text).toBe("A VM named 'web-1' already exists (VM 104 on pve1). Pick another name.");
    const typed = renderCommandError("'<!channel>' is not a valid VM name");
    const refused = renderRefusal("'<!channel>' is not a valid VM name", '<@U0BOSS> & co');
    for (const x of [typed, refused]) {
      expect(JSON.stringify(x)).not.toMatch(/<!channel>|<@U0BOSS>/);
      expect(x.text).toContain('&lt;!channel&gt;');
    }
    expect(refused.text).toContain('&lt;@U0BOSS&gt; &amp; co');
  });

  it('an error says what was wrong and ends with the usage line once', () => {
    const m = renderCommandError("Missing 'as <name>'", `Usage: ${CLONE_USAGE} (explained)`);
    expect(m).toMatchSnapshot();
    const text = JSON.stringify(m.blocks);
    expect(text.match(/Usage:/g)?.length).toBe(1);
    expect(m.text).toContain("Missing 'as &lt;name&gt;'");
    expect(checkMessageBlocks(renderCommandError('x'.repeat(10_000), 'y'.repeat(10_000)).blocks)).toEqual([]);
  });

  it('status shows one request or the recent ones', () => {
    expect(
      renderRequestStatus(sampleRecord({ status: 'cloning', lastProgress: sampleProgress })),
    ).toMatchSnapshot();
    const many = Array.from({ length: 30 }, (_, i) =>
      sampleRecord({ id: `cr-aaaaaa${String(i).padStart(2, '2')}` }),
    );
    const recent = renderRecentRequests(many);
    expect(checkMessageBlocks(recent.blocks)).toEqual([]);
    expect(renderRecentRequests([]).text).toContain('no recent');
    expect(checkMessageBlocks(renderNotice('n'.repeat(9000)).blocks)).toEqual([]);
  });
});

describe('modals', () => {
  it('the /clone form: loading, nodes, then templates with health', () => {
    expect(renderCloneModal({ channelId: 'C1', notice: 'Loading' })).toMatchSnapshot('loading');
    const full = renderCloneModal({
      channelId: 'C1',
      nodes: ['pve1', 'pve2'],
      node: 'pve1',
      templates: [
        { vmid: 112, node: 'pve1', name: 'ubuntu-24', bootDisk: 'scsi0', problems: [] },
        { vmid: 9105, node: 'pve1', name: 'broken', problems: ['no boot disk (scsi0 only in unused0)'] },
      ],
      storages: ['local-lvm', 'ceph'],
    });
    expect(full).toMatchSnapshot('full');
    expect(checkView(full)).toEqual([]);
  });

  it('stays within limits with 500 templates and 500 nodes', () => {
    const nodes = Array.from({ length: 500 }, (_, i) => `node-with-a-rather-long-name-${i}`);
    const templates = Array.from({ length: 500 }, (_, i) => ({
      vmid: 9000 + i,
      node: 'n',
      name: 'x'.repeat(200),
      problems: ['p'.repeat(300)],
    }));
    const v = renderCloneModal({
      channelId: 'C1',
      nodes,
      node: nodes[0] as string,
      templates,
      storages: nodes,
    });
    expect(checkView(v)).toEqual([]);
    expect((v.private_metadata ?? '').length).toBeLessThanOrEqual(3000);
  });

  it('the deny form', () => {
    const v = renderDenyModal({ requestId: 'cr-abcd2345', channelId: 'C1' });
    expect(v).toMatchSnapshot();
    expect(checkView(v)).toEqual([]);
  });
});

describe('slack-limits helpers', () => {
  it('truncate and codeBlock respect their maximum', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    const block = codeBlock(
      Array.from({ length: 1000 }, (_, i) => `line ${i} ${'z'.repeat(50)}`),
      500,
    );
    expect(block.length).toBeLessThanOrEqual(500);
    expect(block).toContain('line 999');
    expect(codeBlock(['```danger```'], 100)).not.toContain('```danger');
    expect(codeBlock(['q'.repeat(10_000)], 300).length).toBeLessThanOrEqual(300);
  });
});
