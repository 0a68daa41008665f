import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackSim, startSlackSim } from '../../../src/sim/slack/index.ts';
import { simClient } from './sim-client.ts';

let sim: SlackSim;
let app: Server;
let commands: URLSearchParams[] = [];

beforeAll(async () => {
  app = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    commands.push(new URLSearchParams(body));
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ text: 'Queued *demo-vm*' }));
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  sim = await startSlackSim({
    appUrl: `http://127.0.0.1:${(app.address() as AddressInfo).port}/slack/events`,
  });
});
afterAll(async () => {
  await sim.close();
  await new Promise((resolve) => app.close(resolve));
});

const get = async (path: string) => {
  const res = await fetch(`${sim.url}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
};

/** Reads Server-Sent Events until `until` accepts one. */
async function readEvents(until: (event: { kind: string }) => boolean, act: () => Promise<unknown>) {
  const controller = new AbortController();
  const res = await fetch(`${sim.url}/events`, { signal: controller.signal });
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const seen: { kind: string }[] = [];
  let buffer = '';
  let acted = false;
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    const frames = buffer.split('\n\n');
    buffer = frames.pop() ?? '';
    for (const frame of frames) seen.push(JSON.parse(frame.replace(/^data: /, '')));
    if (!acted && seen.length > 0) {
      acted = true;
      await act();
    }
    if (seen.some(until)) break;
  }
  controller.abort();
  return seen;
}

describe('slack sandbox page', () => {
  it('serves the page with stable test ids and only local resources', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html; charset=utf-8');
    for (const id of [
      'message-box',
      'send-button',
      'user-switch',
      'message-list',
      'channel-name',
      'current-user',
    ]) {
      expect(page.body).toContain(`data-testid="${id}"`);
    }
    expect(page.body).toContain('<script type="module" src="/sandbox.js">');
    const modules = [
      '/sandbox.js',
      '/page-state.js',
      '/render-messages.js',
      '/render-modal.js',
      '/render-sidebar.js',
    ];
    for (const path of [...modules, '/render-blocks.js', '/mrkdwn.js', '/sandbox.css']) {
      const file = await get(path);
      expect(file.status, path).toBe(200);
      expect(file.type).toMatch(path.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
      expect(file.body).not.toMatch(/(src|href)=["']https?:|url\(\s*['"]?https?:|from\s+['"]https?:/);
    }
    const js = (await Promise.all(modules.map(async (m) => (await get(m)).body))).join('\n');
    expect(js).toContain("new EventSource('/events')");
    for (const id of ['thread-toggle', 'modal-submit', 'modal-close', 'confirm-yes', 'ephemeral'])
      expect(js).toContain(id);
    // Every name a module imports from a sibling is exported by it (a typo here blanks the whole page).
    const served = new Map<string, string>();
    for (const m of [...modules, '/render-blocks.js', '/mrkdwn.js'])
      served.set(m.slice(1), (await get(m)).body);
    for (const [file, source] of served) {
      for (const [, names = '', from = ''] of source.matchAll(
        /import \{([^}]*)\} from '\.\/([\w-]+\.js)'/g,
      )) {
        const target = served.get(from) ?? '';
        for (const name of names
          .split(',')
          .map((n) => n.trim())
          .filter((n) => n !== '')) {
          const escaped = name.replace(/\$/g, '\\$');
          const exported = new RegExp(`^export (?:async function|function|const) ${escaped}[\\s(=]`, 'm');
          expect(exported.test(target), `${file} imports ${name} from ${from}`).toBe(true);
        }
      }
    }
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/nope.js')).status).toBe(404);
    expect((await get('/..%2Fsandbox-routes.ts')).status).toBe(404);
  });

  it('streams a snapshot, then each change, to the page', async () => {
    const client = simClient(sim);
    const events = await readEvents(
      (e) => e.kind === 'message',
      () => client.chat.postMessage({ channel: 'C0CLONES', text: 'live' }),
    );
    expect(events[0]).toMatchObject({
      kind: 'snapshot',
      state: { defaultChannel: 'C0CLONES', appConnected: true },
    });
    expect(events.at(-1)).toMatchObject({ kind: 'message', message: { text: 'live', channel: 'C0CLONES' } });
  });

  it('sends a typed slash command to the app as the chosen user and shows the ack', async () => {
    commands = [];
    const res = await fetch(`${sim.url}/sandbox/command`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'U0APPROVER', channelId: 'C0CLONES', command: '/clone', text: 'help' }),
    });
    expect(await res.json()).toMatchObject({ status: 200, sent: true });
    expect(commands[0]?.get('user_id')).toBe('U0APPROVER');
    expect(commands[0]?.get('text')).toBe('help');
    const state = (await (await fetch(`${sim.url}/sandbox/state`)).json()) as { ephemerals: unknown[] };
    expect(state.ephemerals).toContainEqual(
      expect.objectContaining({ user: 'U0APPROVER', text: 'Queued *demo-vm*' }),
    );
  });
});

describe('sandbox page scripts', () => {
  it('use no undeclared or unused names (the browser would fail at the first click)', async () => {
    const biome = fileURLToPath(new URL('../../../node_modules/.bin/biome', import.meta.url));
    const page = fileURLToPath(new URL('../../../src/sim/slack/page', import.meta.url));
    const rules = ['noUndeclaredVariables', 'noUnusedImports', 'noUnusedVariables'].map(
      (r) => `--only=correctness/${r}`,
    );
    const run = promisify(execFile)(biome, ['lint', ...rules, page]);
    await expect(run).resolves.toMatchObject({ stdout: expect.any(String) });
  });
});

describe('sandbox mrkdwn rendering', () => {
  const file = fileURLToPath(new URL('../../../src/sim/slack/page/mrkdwn.js', import.meta.url));
  const load = async () =>
    (await import(pathToFileURL(file).href)) as {
      mrkdwnHtml: (text: string, users?: (id: string) => string | undefined) => string;
    };

  it('renders bold, italics, strike, code, code blocks, links, mentions and quotes', async () => {
    const { mrkdwnHtml } = await load();
    const users = (id: string) => (id === 'U0APPROVER' ? 'Alex (approver)' : undefined);
    expect(mrkdwnHtml('*Clone* _queued_ ~old~', users)).toBe(
      '<strong>Clone</strong> <em>queued</em> <del>old</del>',
    );
    expect(mrkdwnHtml('run `qm unlock 101`')).toBe('run <code>qm unlock 101</code>');
    expect(mrkdwnHtml('```\nTASK ERROR: *x*\n```')).toBe('<pre class="code-block">TASK ERROR: *x*\n</pre>');
    expect(mrkdwnHtml('<https://pve1:8006/#v1:0:=qemu%2F101|open VM 101>')).toBe(
      '<a href="https://pve1:8006/#v1:0:=qemu%2F101" target="_blank" rel="noreferrer noopener">open VM 101</a>',
    );
    expect(mrkdwnHtml('by <@U0APPROVER>', users)).toContain('@Alex (approver)</span>');
    expect(mrkdwnHtml('&gt; quoted\nplain')).toBe('<blockquote>quoted</blockquote>plain');
    expect(mrkdwnHtml(':white_check_mark: done')).toBe('✅ done');
    expect(mrkdwnHtml('<!date^1767258000^{date_num}|fallback>')).toBe('<span class="date">2026-01-01</span>');
    expect(mrkdwnHtml('<!date^oops^{date_num}|1 Jan>')).toBe('<span class="date">1 Jan</span>');
  });

  it('escapes HTML so a bot message cannot inject markup', async () => {
    const { mrkdwnHtml } = await load();
    expect(mrkdwnHtml('&lt;img src=x onerror=alert(1)&gt; & "q"')).toBe(
      '&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot;',
    );
    expect(mrkdwnHtml('<javascript:alert(1)|click>')).toBe(
      '<a href="#" target="_blank" rel="noreferrer noopener">click</a>',
    );
  });
});
