import { describe, expect, it } from 'vitest';
import { healthChanges, healthState } from '../../src/core/health-changes.ts';
import { evaluateTemplateHealth } from '../../src/core/health-rules.ts';
import type { HealthInput, HealthNodeInput } from '../../src/core/health-types.ts';
import { renderHealthText } from '../../src/health/render-health-text.ts';
import { DEMO_CHANNEL, startSlackSim } from '../../src/sim/slack/index.ts';
import { renderHealthChanges } from '../../src/slack/messages/health-alert.ts';
import { renderHealthReport } from '../../src/slack/messages/health-report.ts';
import { simClient } from '../sim/slack/sim-client.ts';

const GiB = 1024 ** 3;
const NOW = 1_750_000_000_000;
const storage = {
  storage: 'local-lvm',
  type: 'lvmthin',
  content: ['images'],
  enabled: true,
  active: true,
  shared: false,
  total: 500 * GiB,
  used: 100 * GiB,
  avail: 400 * GiB,
};
const tpl = (vmid: number, over: Record<string, string | number> = {}) => ({
  vmid,
  name: `tpl-${vmid}`,
  config: {
    template: 1,
    ostype: 'l26',
    boot: 'order=scsi0;net0',
    net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr0',
    scsi0: `local-lvm:base-${vmid}-disk-0,size=8G`,
    ...over,
  },
});

function smallInput(): HealthInput {
  const { scsi0: _drop, ...noDisk } = tpl(9205).config;
  return {
    nodeIds: new Map([
      ['pve1', 1],
      ['pve2', 2],
      ['pve3', 3],
    ]),
    thresholds: { lockStuckMs: 3_600_000 },
    nodes: [
      {
        node: 'pve1',
        online: true,
        storages: [storage],
        templates: [tpl(9105), tpl(9100, { lock: 'backup' })],
      },
      {
        node: 'pve2',
        online: true,
        storages: [storage],
        templates: [{ vmid: 9205, name: 'tpl-9205', config: { ...noDisk, boot: 'order=net0' } }, tpl(9200)],
      },
      { node: 'pve3', online: false, storages: [], templates: [{ vmid: 9300, config: {} }] },
    ],
  };
}

describe('health report renderers', () => {
  const report = evaluateTemplateHealth(smallInput(), NOW);

  it('Block Kit: summary, a section per node, each problem with its fix (snapshot)', () => {
    const messages = renderHealthReport(report);
    expect(messages).toHaveLength(1);
    const json = JSON.stringify(messages[0]);
    expect(json).toContain('recreate template 9205 on pve2 from base 5: disk scsi0 missing');
    expect(json).toContain('offline: pve3');
    expect(messages).toMatchSnapshot();
  });

  it('text for the CLI (snapshot)', () => {
    const text = renderHealthText(report);
    expect(text.join('\n')).toContain('fix: recreate template 9205 on pve2 from base 5: disk scsi0 missing');
    expect(text).toMatchSnapshot();
  });

  it('change alert (snapshot)', () => {
    const healthy = evaluateTemplateHealth(
      {
        ...smallInput(),
        nodes: smallInput().nodes.map((n) =>
          n.node === 'pve2' ? { ...n, templates: [tpl(9205), tpl(9200)] } : n,
        ),
      },
      NOW - 60_000,
    );
    const changes = healthChanges(healthState(healthy), healthState(report), report);
    expect(changes.map((c) => `${c.kind} ${c.node}/${c.vmid}`)).toEqual(['broken pve2/9205']);
    const back = healthChanges(healthState(report), healthState(healthy), healthy);
    expect(back.map((c) => `${c.kind} ${c.node}/${c.vmid}`)).toEqual(['healthy pve2/9205']);
    expect([renderHealthChanges(changes), renderHealthChanges(back)]).toMatchSnapshot();
  });

  it('a huge report is split within Slack limits, and Slack (the simulator) accepts every part', async () => {
    const nodes: HealthNodeInput[] = Array.from({ length: 60 }, (_, i) => ({
      node: `node-with-a-long-name-${i + 1}`,
      online: true,
      storages: [{ ...storage, avail: GiB }],
      templates: Array.from({ length: 40 }, (_, b) => ({
        vmid: 9000 + (i + 1) * 100 + b,
        name: `template-${b}-${'x'.repeat(40)}`,
        config: {
          template: 1,
          ostype: b % 2 ? 'l26' : 'win11',
          boot: 'order=ide0',
          unused0: `local-lvm:base-${b}-disk-0,size=${b + 1}G`,
        },
      })),
    }));
    const huge = evaluateTemplateHealth(
      { nodeIds: new Map(nodes.map((n, i) => [n.node, i + 1])), thresholds: { lockStuckMs: 1 }, nodes },
      NOW,
    );
    const messages = renderHealthReport(huge);
    expect(messages.length).toBeGreaterThan(3);
    for (const m of messages) {
      expect(m.blocks.length).toBeLessThanOrEqual(50);
      expect(m.text.length).toBeLessThanOrEqual(40_000);
      for (const b of m.blocks) {
        if (b.type === 'section') expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
      }
    }
    // Every finding's fix reaches Slack in one of the parts (cut entries keep their start).
    const all = messages.map((m) => JSON.stringify(m.blocks)).join('');
    expect(all).toContain('node-with-a-long-name-60');
    const slack = await startSlackSim();
    try {
      const client = simClient(slack);
      for (const m of messages) {
        const res = await client.chat.postMessage({
          channel: DEMO_CHANNEL.id,
          text: m.text,
          blocks: m.blocks,
        });
        expect(res.ok).toBe(true);
      }
      expect(slack.messages(DEMO_CHANNEL.id)).toHaveLength(messages.length);
    } finally {
      await slack.close();
    }
    const capped = renderHealthReport(huge, { maxMessages: 4 });
    expect(capped).toHaveLength(4);
    expect(JSON.stringify(capped[3]?.blocks.at(-1))).toContain('pve-clonebot health');
    expect(capped.every((m) => m.blocks.length <= 50)).toBe(true);
  });
});

describe('health node sections read consistently', () => {
  // pve1: 9105 (base 5) fine, 112 fine but outside the scheme, 113 outside the scheme with its disk unused;
  // pve2: a copy of base 5, but no copy of base 0; pve3: copies of bases 5 and 0.
  const { scsi0: _drop, ...noDisk } = tpl(113).config;
  const report = evaluateTemplateHealth(
    {
      nodeIds: new Map([
        ['pve1', 1],
        ['pve2', 2],
        ['pve3', 3],
      ]),
      thresholds: { lockStuckMs: 3_600_000 },
      nodes: [
        {
          node: 'pve1',
          online: true,
          storages: [storage],
          templates: [
            tpl(9105),
            tpl(112),
            { vmid: 113, name: 'tpl-113', config: { ...noDisk, unused0: 'local-lvm:base-113-disk-0' } },
          ],
        },
        { node: 'pve2', online: true, storages: [storage], templates: [tpl(9205)] },
        { node: 'pve3', online: true, storages: [storage], templates: [tpl(9305), tpl(9300)] },
      ],
    },
    NOW,
  );
  const slack = renderHealthReport(report)
    .flatMap((m) => m.blocks)
    .map((b) => (b.type === 'section' ? (b.text?.text ?? '') : ''))
    .filter((t) => t.startsWith('*pve'));
  const cli = renderHealthText(report);

  it('counts node-level problems in the node headline', () => {
    const pve2 = slack.find((t) => t.startsWith('*pve2*')) as string;
    expect(pve2.split('\n')[0]).toBe(
      '*pve2* · node id 2 · :warning: 1 template healthy; 1 node-level problem',
    );
    expect(pve2).toContain('base 0');
    expect(cli).toContain('pve2 (node id 2): 1 template healthy; 1 node-level problem');
    expect(cli.join('\n')).not.toMatch(/0 with problems|\b1 templates\b/);
    expect(slack.join('\n')).not.toMatch(/0 with problems|\b1 templates\b/);
  });

  it('lists healthy templates the same way on every node, a note under a healthy one', () => {
    for (const text of slack) expect(text).toMatch(/:white_check_mark: healthy: \d/);
    const pve1 = (slack.find((t) => t.startsWith('*pve1*')) as string).split('\n');
    expect(pve1[0]).toBe('*pve1* · node id 1 · :x: 3 templates, 1 with problems; 1 node-level problem');
    const healthyAt = pve1.findIndex((l) => l.startsWith(':white_check_mark: healthy: '));
    expect(pve1[healthyAt]).toBe(':white_check_mark: healthy: 112 tpl-112, 9105 tpl-9105');
    // 112's note follows the healthy list; 113's "outside the scheme" note is dropped beside its error.
    const notes = pve1.slice(healthyAt + 1).filter((l) => l.includes(':information_source:'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('template 112 on pve1 is outside the node-specific scheme');
    expect(pve1.join('\n')).not.toContain('template 113 on pve1 is outside');
    expect(pve1.join('\n')).toContain(':x: template 113');
    expect(cli.filter((l) => l.includes('outside the node-specific scheme'))).toHaveLength(1);
  });
});
