import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE, NODE_FLAGS } from './node-flags.ts';

const root = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};

describe('npm start', () => {
  it('runs compiled JavaScript, built by a prestart step, for all three modes', () => {
    expect(pkg.scripts.start).toBe(`${NODE} dist/main.js`);
    expect(pkg.scripts['start:bot']).toBe(`${NODE} dist/main.js bot`);
    expect(pkg.scripts['start:worker']).toBe(`${NODE} dist/main.js worker`);
    for (const s of ['prestart', 'prestart:bot', 'prestart:worker'])
      expect(pkg.scripts[s]).toBe('npm run build');
  });

  it("starts with heap flags this Node accepts (a flag it doesn't know stops node at start)", () => {
    const r = spawnSync(process.execPath, [...NODE_FLAGS, '-e', 'process.stdout.write("ok")'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ok');
  });

  it('needs no run-time compiler in production', () => {
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
  });
});

// The build the prestart step makes, into a scratch directory inside the repo (so node_modules resolve).
describe('the compiled composition root', () => {
  let out: string;
  beforeAll(() => {
    const scratch = join(root, 'node_modules', '.cache');
    spawnSync('mkdir', ['-p', scratch]);
    out = mkdtempSync(join(scratch, 'dist-'));
    const tsc = spawnSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', out],
      { cwd: root, encoding: 'utf8' },
    );
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  const node = (...args: string[]) =>
    spawnSync(process.execPath, [join(out, 'main.js'), ...args], {
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('loads every module under plain node and names the missing variables', () => {
    const r = node('worker');
    expect(r.stderr).toContain('Configuration error');
    expect(r.stderr).toContain('PROXMOX_URL');
    expect(r.status).toBe(1);
  });

  it('answers a wrong mode with its usage', () => {
    const r = node('both');
    expect(r.stderr).toContain("usage: node dist/main.js [bot|worker] (got 'both')");
    expect(r.status).toBe(2);
  });
});
