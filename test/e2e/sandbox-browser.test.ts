import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { type Demo, startDemo } from '../../src/demo.ts';
import { createLogger } from '../../src/logger.ts';

// The whole demo (Proxmox sim, Redis, bot + worker, Slack sandbox) driven by a real headless Chromium.
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = 'test-results/sandbox.png';

let demo: Demo;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (apt install chromium) to run the browser test`,
    );
  }
  // Cluster x40: the 32 GiB copy of template 112 (~164 s simulated) takes ~4 real s. The bot keeps real
  // time, so its progress edits come every real second here.
  demo = await startDemo({
    port: 0,
    timeScale: 40,
    redisUrl: 'redis://127.0.0.1:6379',
    logger: createLogger('silent'),
    env: { PROGRESS_INTERVAL_SECONDS: '1', LOG_LEVEL: 'silent' },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

describe('the Slack sandbox in a browser', () => {
  it('runs a clone end to end: request, approval, live progress, success reply', async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    onTestFailed(async () => {
      // What the page and the fake Slack saw, so a CI failure can be read without rerunning.
      await page
        .screenshot({ path: 'test-results/sandbox-failure.png', fullPage: true })
        .catch(() => undefined);
      const seen = {
        pageErrors,
        ephemerals: [...demo.slack.ephemerals('U0REQUESTER'), ...demo.slack.ephemerals('U0APPROVER')].map(
          (e) => e.text,
        ),
        messages: demo.slack.messages('C0CLONES').map((m) => m.text),
        calls: demo.slack.calls().map((c) => `${c.method} ${String(c.result.error ?? 'ok')}`),
      };
      process.stderr.write(`sandbox state at failure: ${JSON.stringify(seen, null, 2)}\n`);
    });
    await page.goto(demo.sandboxUrl);
    await page.getByTestId('user-option-U0REQUESTER').click();
    await expect.poll(() => page.getByTestId('current-user').textContent()).toBe('Riley (requester)');

    await page.getByTestId('message-box').fill('/clone 112 as demo-vm on pve1');
    await page.getByTestId('message-box').press('Enter');
    const request = page.getByTestId('message').filter({ hasText: 'demo-vm' }).first();
    const approve = request.getByRole('button', { name: 'Approve', exact: true });
    await approve.waitFor();
    // The bot keeps wall-clock time while the cluster runs fast: the times it shows read right.
    const [record] = await demo.services.store.listByUser('U0REQUESTER', 1);
    expect(Math.abs((record?.createdAt ?? 0) - Date.now())).toBeLessThan(10_000);

    await page.getByTestId('user-option-U0APPROVER').click();
    await expect.poll(() => page.getByTestId('current-user').textContent()).toBe('Alex (approver)');
    await approve.click();
    if (await page.getByTestId('confirm-dialog').isVisible()) await page.getByTestId('confirm-yes').click();

    // The first thread reply is the progress message; it is edited in place while the clone runs.
    const progress = request.getByTestId('thread-replies').getByTestId('message').first();
    await progress.waitFor({ timeout: 15_000 });
    const first = await progress.getByTestId('message-body').textContent();
    await expect
      .poll(() => progress.getByTestId('message-body').textContent(), { timeout: 15_000 })
      .not.toBe(first);
    await expect.poll(() => progress.getByTestId('edited').count()).toBe(1);

    const success = request
      .getByTestId('thread-replies')
      .getByTestId('message')
      .filter({ hasText: 'is ready' });
    await success.waitFor({ timeout: 20_000 });
    await expect.poll(() => success.textContent()).toMatch(/demo-vm/);
    await page.mouse.move(1, 1); // no hover highlight in the screenshot
    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    const clone = demo.proxmox.vms().filter((vm) => vm.config.name === 'demo-vm');
    expect(clone).toHaveLength(1);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
