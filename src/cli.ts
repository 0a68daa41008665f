/**
 * The command line's composition root: `pve-clonebot <command> …` (`npm run cli -- …` in a checkout).
 * Reads process.env here only; each command loads just the config sections it needs.
 */
import { runCli } from './cli/run-cli.ts';

// `pve-clonebot … | head` closes our stdout early: that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const controller = new AbortController();
let interrupts = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    interrupts += 1;
    // A second Ctrl-C leaves at once; the first lets the command cancel cleanly.
    if (interrupts > 1) process.exit(130);
    controller.abort(new Error(`received ${sig}`));
  });
}

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  signal: controller.signal,
});
process.exitCode = code;
// Pending timers (e.g. pooled connections) must not keep a finished command alive.
setImmediate(() => process.exit(code));
