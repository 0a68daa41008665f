import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parseProxmoxSimArgs, runProxmoxSimCli } from '../../../src/sim/proxmox/index.ts';

test('starts the simulator, writes the CA file and prints the environment to use it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sim-cli-'));
  const lines: string[] = [];
  const sim = await runProxmoxSimCli(
    ['--port', '0', '--scale', '60', '--ca-file', join(dir, 'ca.pem')],
    (l) => lines.push(l),
  );
  try {
    expect(lines[0]).toBe(
      `Proxmox VE 9 simulator listening on ${sim.url} (time x60; demo cluster pve1, pve2, pve3)`,
    );
    expect(lines).toContain(`export PROXMOX_URL=${sim.url}`);
    expect(lines).toContain("export PROXMOX_TOKEN_ID='clonebot@pve!slack'");
    expect(lines).toContain(`export PROXMOX_TOKEN_SECRET=${sim.token.secret}`);
    expect(lines).toContain(`export PROXMOX_CA_FILE=${join(dir, 'ca.pem')}`);
    expect(await readFile(join(dir, 'ca.pem'), 'utf8')).toBe(sim.caPem);
  } finally {
    await sim.close();
    await rm(dir, { recursive: true });
  }
});

test('arguments: defaults, --flag=value, and one clear line for bad input', () => {
  expect(parseProxmoxSimArgs([])).toEqual({ port: 8006, scale: 1, host: '127.0.0.1', pveVersion: '9' });
  expect(parseProxmoxSimArgs(['--port=9006', '--scale', '300', '--pve-version', '8.4'])).toEqual({
    port: 9006,
    scale: 300,
    host: '127.0.0.1',
    pveVersion: '8.4',
  });
  expect(() => parseProxmoxSimArgs(['--pve-version', '7.4'])).toThrow(
    "--pve-version must be 8.4 or 9 (got '7.4')",
  );
  expect(() => parseProxmoxSimArgs(['--port', 'x'])).toThrow("--port must be 0..65535 (got 'x')");
  expect(() => parseProxmoxSimArgs(['--scale', '0'])).toThrow("--scale must be a positive number (got '0')");
  expect(() => parseProxmoxSimArgs(['--scale'])).toThrow('--scale needs a value');
  expect(() => parseProxmoxSimArgs(['--fast', '1'])).toThrow("unknown option '--fast'");
});
