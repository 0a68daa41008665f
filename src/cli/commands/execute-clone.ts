import { systemClock } from '../../clock.ts';
import { createCloneEngine } from '../../clone/create-clone-engine.ts';
import { ConfigError, loadConfig } from '../../config.ts';
import type { CloneRequest, FailureReason } from '../../core/types.ts';
import type { CliIo } from '../cli-command.ts';
import { EXIT } from '../cli-command.ts';
import { openProxmox } from '../open-proxmox.ts';
import { renderCloneResult } from '../render-clone-result.ts';

/** Pre-clone findings that mean the request itself is wrong: the why, its first advice, exit 2, nothing created. */
const BAD_INPUT: readonly FailureReason[] = [
  'invalid-request',
  'unknown-node',
  'template-not-found',
  'not-a-template',
  'name-taken',
  'vmid-taken',
  'storage-invalid',
];

/**
 * Runs a parsed clone request: config (proxmox, clone, log sections only), Proxmox client, engine; a request
 * the cluster refuses before anything is created gets one line and its advice, exit 2; otherwise progress
 * lines and the result (exit 0 ok, 1 failed, 130 cancelled).
 */
export async function executeClone(request: CloneRequest, io: CliIo): Promise<number> {
  let config: ReturnType<typeof loadConfig<'proxmox' | 'clone' | 'log'>>;
  try {
    config = loadConfig(io.env, ['proxmox', 'clone', 'log']);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(error.message);
    return EXIT.usage;
  }
  const opened = openProxmox(config);
  if (!opened.ok) {
    io.err(opened.message);
    return EXIT.usage;
  }
  const { logger, client } = opened;
  const engine = createCloneEngine({ proxmox: client, clock: systemClock, logger, config: config.clone });
  try {
    const pre = await engine.preflight(request);
    if (!pre.ok && BAD_INPUT.includes(pre.diagnosis.reason)) {
      io.err(pre.diagnosis.summary);
      // The first advice only: the request is wrong, one fix is enough to act on.
      const advice = pre.diagnosis.advice[0];
      if (advice !== undefined) io.err(`  ${advice}`);
      return EXIT.usage;
    }
    const result = await engine.cloneVmFromTemplate(request, {
      signal: io.signal,
      onProgress: (p) => io.out(p.message),
    });
    for (const line of renderCloneResult(result)) io.out(line);
    if (result.ok) return EXIT.ok;
    return result.diagnosis.reason === 'cancelled' ? EXIT.interrupted : EXIT.failed;
  } finally {
    engine.close();
    await client.close();
  }
}
