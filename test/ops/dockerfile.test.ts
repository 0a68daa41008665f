import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics.ts';
import { createOpsRoutes } from '../../src/ops/ops-routes.ts';
import { type OpsServer, serveOpsRoutes } from '../../src/ops/serve-ops-routes.ts';
import { NODE_FLAGS } from './node-flags.ts';
import {
  execForm,
  type Instruction,
  parseDockerfile,
  parseInstructions,
  type Stage,
} from './parse-dockerfile.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const dockerfile = parseDockerfile(read('Dockerfile'));
const stages = dockerfile.stages;
const final = stages[stages.length - 1] as Stage;
const build = stages.find((s) => s.name === 'build') as Stage;

const all = (stage: Stage, keyword: string): Instruction[] =>
  stage.instructions.filter((i) => i.keyword === keyword);
const one = (stage: Stage, keyword: string): Instruction => {
  const found = all(stage, keyword);
  expect(found, `${keyword} in stage ${stage.name}`).toHaveLength(1);
  return found[0] as Instruction;
};
/** Every npm ci / npm install a stage runs, as word lists. */
const npmInstalls = (stage: Stage): string[][] =>
  all(stage, 'RUN')
    .flatMap((r) => r.args.split(/&&|;/))
    .map((c) => c.trim().split(/\s+/))
    .filter((w) => w[0] === 'npm' && ['ci', 'install', 'i'].includes(w[1] ?? ''));

describe('Dockerfile', () => {
  it('builds in named stages from a slim Node 20 image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s.name).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(final.name).toBe('runtime');
    for (const s of stages) expect(s.image).toMatch(/^node:20(\.\d+)*-(bookworm|trixie)-slim$/);
    const engines = JSON.parse(read('package.json')).engines.node as string;
    expect(engines).toMatch(/^>=20\./);
  });

  it('compiles dist/ in the build stage with every dependency', () => {
    expect(npmInstalls(build)).toEqual([['npm', 'ci', '--no-audit', '--no-fund']]);
    expect(all(build, 'RUN').map((r) => r.args)).toContain('npm run build');
    const pkg = JSON.parse(read('package.json'));
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json');
    const tsconfig = JSON.parse(read('tsconfig.build.json'));
    expect(tsconfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist', noEmit: false });
  });

  it('installs production dependencies only in the final stage and copies just dist/ from the build', () => {
    const installs = npmInstalls(final);
    expect(installs).toHaveLength(1);
    expect(installs[0]?.slice(0, 2)).toEqual(['npm', 'ci']);
    expect(installs[0]).toContain('--omit=dev');
    const copies = all(final, 'COPY');
    const fromBuild = copies.filter((c) => c.flags.from === 'build');
    expect(fromBuild.map((c) => c.args)).toEqual(['/app/dist ./dist']);
    // Nothing else of the source tree: no src/, no `COPY . .`.
    for (const c of copies.filter((c) => c.flags.from === undefined)) {
      expect(c.args.split(/\s+/).slice(0, -1)).toEqual(['package.json', 'package-lock.json']);
    }
    expect(
      all(final, 'ENV')
        .map((e) => e.args)
        .join(' '),
    ).toMatch(/NODE_ENV=production/);
  });

  it('runs as a non-root user, from the USER line on', () => {
    const user = one(final, 'USER');
    expect(user.args).not.toMatch(/^(root|0)(:|$)/);
    expect(user.args).toBe('node');
    const lastRun = Math.max(...all(final, 'RUN').map((r) => r.line));
    expect(user.line).toBeGreaterThan(lastRun);
    expect(one(final, 'CMD').line).toBeGreaterThan(user.line);
  });

  it('exposes 3000 and starts bot and worker from compiled JavaScript by default', () => {
    expect(one(final, 'EXPOSE').args).toBe('3000');
    expect(execForm(one(final, 'CMD').args)).toEqual(['node', ...NODE_FLAGS, 'dist/main.js']);
    expect(all(final, 'ENTRYPOINT')).toEqual([]);
    // dist/main.js is compiled from src/main.ts (rootDir src → outDir dist).
    expect(existsSync(new URL('src/main.ts', root))).toBe(true);
  });

  it('has a HEALTHCHECK in exec form that asks /healthz with node (no curl in slim images)', () => {
    const hc = one(final, 'HEALTHCHECK');
    expect(hc.flags).toMatchObject({ interval: '30s', timeout: '5s', retries: '3' });
    const [word, ...command] = hc.args.split(' ');
    expect(word).toBe('CMD');
    const argv = execForm(command.join(' '));
    expect(argv?.slice(0, 2)).toEqual(['node', '-e']);
    expect(argv?.[2]).toContain('/healthz');
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const must of ['.env', 'node_modules', '.git', 'dist']) expect(ignored).toContain(must);
    const sources = stages
      .flatMap((s) => all(s, 'COPY'))
      .filter((c) => c.flags.from === undefined)
      .flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) {
      expect(existsSync(new URL(src, root)), src).toBe(true);
      expect(ignored, src).not.toContain(src);
    }
  });
});

describe('the production dependencies the final stage installs', () => {
  it('cover every package src/ imports at run time', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const files = readdirSync(new URL('src', root), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    const imported = new Set<string>();
    for (const file of files) {
      const source = read(`src/${file}`);
      // `import type` is erased; any other import or re-export stays in dist/ (verbatimModuleSyntax).
      for (const m of source.matchAll(/^\s*(?:import|export)(?!\s+type\b)[^;'"]*?from\s+'([^'.][^']*)'/gm)) {
        imported.add(m[1] as string);
      }
      for (const m of source.matchAll(/\bimport\(\s*'([^'.][^']*)'\s*\)/g)) imported.add(m[1] as string);
    }
    const packages = [...imported]
      .filter((spec) => !spec.startsWith('node:'))
      .map((spec) =>
        spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string),
      );
    expect(packages.length).toBeGreaterThan(5);
    for (const name of packages) expect(Object.keys(pkg.dependencies), name).toContain(name);
  });
});

describe('the HEALTHCHECK command', () => {
  const servers: OpsServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  function run(port: number): Promise<number> {
    const hc = all(final, 'HEALTHCHECK')[0] as Instruction;
    const argv = execForm(hc.args.replace(/^CMD /, '')) as string[];
    const child = spawn(process.execPath, argv.slice(1), {
      env: { PATH: process.env.PATH, PORT: String(port) },
      stdio: 'ignore',
    });
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => resolve(code ?? -1));
    });
  }

  async function probe(healthy: boolean): Promise<number> {
    const server = await serveOpsRoutes(
      createOpsRoutes({
        metrics: createMetrics({ defaultMetrics: false }),
        checks: {
          redis: async () => {},
          proxmox: async () => (healthy ? undefined : Promise.reject(new Error('595'))),
        },
      }),
      0,
      '127.0.0.1',
    );
    servers.push(server);
    return run(server.port);
  }

  it('exits 0 when /healthz answers 200, 1 when it answers 503 or nothing listens', async () => {
    expect(await probe(true)).toBe(0);
    expect(await probe(false)).toBe(1);
    const closed = await serveOpsRoutes([], 0, '127.0.0.1');
    await closed.close();
    expect(await run(closed.port)).toBe(1);
  });
});

describe('parseDockerfile', () => {
  it('joins continuations as Docker does, reads flags, and tells exec form from shell form', () => {
    const [run, hc, cmd] = parseInstructions(
      '# c\nRUN npm ci \\\n  # inner comment\n && echo ok\nHEALTHCHECK --interval=5s CMD ["a", "b"]\nCMD [node, x]\n',
    );
    expect(run).toMatchObject({ keyword: 'RUN', args: 'npm ci  && echo ok', line: 2 });
    expect(hc).toMatchObject({ keyword: 'HEALTHCHECK', flags: { interval: '5s' }, args: 'CMD ["a", "b"]' });
    // Not valid JSON: Docker would run it through a shell, so it is not exec form.
    expect(execForm(cmd?.args ?? '')).toBeUndefined();
  });

  it('substitutes global ARG defaults into FROM and splits stages', () => {
    const d = parseDockerfile(
      'ARG IMG=node:20-bookworm-slim\nFROM $IMG AS a\nRUN x\nFROM a AS b\nUSER node\n',
    );
    expect(d.stages.map((s) => [s.image, s.name, s.instructions.length])).toEqual([
      ['node:20-bookworm-slim', 'a', 1],
      ['a', 'b', 1],
    ]);
  });
});
