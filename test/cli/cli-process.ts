import { execFile } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/** What a `pve-clonebot` child process did. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `pve-clonebot …` as a child process (through the bin script, on the TypeScript sources), with only `env` and PATH. */
export function runCliProcess(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin', 'pve-clonebot.js'), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
