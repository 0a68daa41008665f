import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scaledClock, systemClock } from '../../clock.ts';
import { type ProxmoxSim, startProxmoxSim } from './start-proxmox-sim.ts';
import type { PveVersion } from './types.ts';

/** Parsed `sim proxmox` arguments. */
export interface ProxmoxSimCliArgs {
  port: number;
  scale: number;
  host: string;
  caFile?: string;
  pveVersion: PveVersion;
}

/** Parses `[--port N] [--scale N] [--host H] [--ca-file PATH] [--pve-version 8.4|9]`; throws with one clear line on bad input. */
export function parseProxmoxSimArgs(args: string[]): ProxmoxSimCliArgs {
  const out: ProxmoxSimCliArgs = { port: 8006, scale: 1, host: '127.0.0.1', pveVersion: '9' };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i] as string;
    const [name, inline] = flag.includes('=') ? flag.split(/=(.*)/s) : [flag, undefined];
    const value = inline ?? args[++i];
    if (value === undefined) throw new Error(`${name} needs a value`);
    if (name === '--port') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0 || n > 65_535)
        throw new Error(`--port must be 0..65535 (got '${value}')`);
      out.port = n;
    } else if (name === '--scale') {
      const n = Number(value);
      if (!(n > 0) || !Number.isFinite(n))
        throw new Error(`--scale must be a positive number (got '${value}')`);
      out.scale = n;
    } else if (name === '--host') out.host = value;
    else if (name === '--ca-file') out.caFile = value;
    else if (name === '--pve-version') {
      if (value !== '8.4' && value !== '9')
        throw new Error(`--pve-version must be 8.4 or 9 (got '${value}')`);
      out.pveVersion = value;
    } else
      throw new Error(
        `unknown option '${name}' (use --port N, --scale N, --host H, --ca-file PATH, --pve-version 8.4|9)`,
      );
  }
  return out;
}

/**
 * `pve-clonebot sim proxmox [--port N] [--scale N]`: starts the simulator over the demo cluster, writes its
 * CA to a file and prints the environment that points the CLI at it. The caller closes the returned sim.
 */
export async function runProxmoxSimCli(args: string[], out: (line: string) => void): Promise<ProxmoxSim> {
  const a = parseProxmoxSimArgs(args);
  const sim = await startProxmoxSim({
    port: a.port,
    host: a.host,
    clock: a.scale === 1 ? systemClock : scaledClock(a.scale),
    pveVersion: a.pveVersion,
  });
  const caFile = a.caFile ?? join(tmpdir(), `pve-clonebot-sim-ca-${sim.port}.pem`);
  await writeFile(caFile, sim.caPem, { mode: 0o644 });
  out(
    `Proxmox VE ${a.pveVersion} simulator listening on ${sim.url} (time x${a.scale}; demo cluster pve1, pve2, pve3)`,
  );
  out('Point pve-clonebot at it with:');
  out(`export PROXMOX_URL=${sim.url}`);
  out(`export PROXMOX_TOKEN_ID='${sim.token.id}'`);
  out(`export PROXMOX_TOKEN_SECRET=${sim.token.secret}`);
  out(`export PROXMOX_CA_FILE=${caFile}`);
  out(`(ticket auth: PROXMOX_USERNAME=${sim.user.username} PROXMOX_PASSWORD=${sim.user.password})`);
  out(
    'Templates: 112 ubuntu-24.04 (pve1), 113 broken-template (pve1), 9100/9200/9300 debian-12, 9105/9205 rocky-9',
  );
  return sim;
}
