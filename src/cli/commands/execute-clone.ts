import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../clock.ts';
import { createCloneEngine } from '../../clone/create-clone-engine.ts';
import { ConfigError, loadConfig } from '../../config.ts';
import { checkSshPublicKey } from '../../core/ssh-public-key.ts';
import { readyAsAsked } from '../../core/describe-readiness.ts';
import type { CloneRequest, FailureReason, TemplateRef } from '../../core/types.ts';
import { applyClonePolicy } from '../../vm/apply-clone-policy.ts';
import { createVmPreparer } from '../../vm/create-vm-preparer.ts';
import type { CliIo } from '../cli-command.ts';
import { EXIT } from '../cli-command.ts';
import { cliOperator } from '../cli-env.ts';
import { openProxmox } from '../open-proxmox.ts';
import { cloneResultJson, renderCloneResult } from '../render-clone-result.ts';

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

/** `sshkey` on the CLI: the key in CLONEBOT_SSH_PUBLIC_KEY_FILE (default ~/.ssh/id_ed25519.pub), checked. */
async function withSshKeys(
  request: CloneRequest,
  env: Record<string, string | undefined>,
): Promise<CloneRequest | { error: string }> {
  if (!request.setup?.sshKey) return request;
  const file = env.CLONEBOT_SSH_PUBLIC_KEY_FILE ?? join(env.HOME ?? homedir(), '.ssh', 'id_ed25519.pub');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { error: `sshkey: cannot read ${file}; set CLONEBOT_SSH_PUBLIC_KEY_FILE to your public key file` };
  }
  const checked = checkSshPublicKey(text.trim());
  if (!checked.ok) return { error: `sshkey: ${file}: ${checked.error}` };
  return { ...request, setup: { ...request.setup, sshKeys: [checked.key] } };
}

/** The CLI's quota lines name its own commands. */
const CLI_COMMANDS = { list: 'pve-clonebot list', delete: 'pve-clonebot delete <vm>' };

/** The template a request names, for its policy when the pre-clone check could not find it (the clone will say). */
const templateOfRef = (ref: TemplateRef): { vmid: number; name?: string } =>
  ref.kind === 'vmid'
    ? { vmid: ref.vmid }
    : ref.kind === 'name'
      ? { vmid: -1, name: ref.name }
      : { vmid: -1 };

/**
 * Runs a parsed clone request: config (proxmox, clone, log sections only), Proxmox client, engine; a request
 * the cluster refuses before anything is created gets one line and its advice, exit 2; otherwise progress
 * lines and the result (exit 0 ok, 1 failed or not made as asked, 130 cancelled).
 */
export async function executeClone(
  request: CloneRequest,
  io: CliIo,
  options: { json?: boolean } = {},
): Promise<number> {
  const keyed = await withSshKeys(request, io.env);
  if ('error' in keyed) {
    io.err(keyed.error);
    return EXIT.usage;
  }
  request = keyed;
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
    // CLONE_POLICY_FILE as in Slack: the template's defaults, maximum lease and quota (who may ask and
    // approval are Slack's: whoever runs the CLI holds the API token).
    const owner = cliOperator(io.env);
    const applied = await applyClonePolicy(
      { proxmox: client },
      config.clone.policy,
      {
        request,
        template: pre.ok ? pre.template : templateOfRef(request.template),
        ownerId: owner,
        now: systemClock.now(),
      },
      { holder: `${owner} has`, commands: CLI_COMMANDS },
    );
    if ('error' in applied) {
      io.err(applied.error);
      return EXIT.usage;
    }
    request = applied.request;
    const cloned = await engine.cloneVmFromTemplate(request, {
      signal: io.signal,
      onProgress: (p) => (options.json ? io.err(p.message) : io.out(p.message)),
    });
    let result = cloned;
    if (cloned.ok) {
      // The VM is the record: the CLI's clones carry owner tags and a lease like the bot's.
      const prepare = createVmPreparer({ proxmox: client, clock: systemClock, logger });
      result = {
        ...cloned,
        vm: await prepare(
          { requestId: `cli-${Date.now().toString(36)}`, request, ownerId: owner },
          cloned,
          io.signal,
        ),
      };
    }
    if (options.json) io.out(JSON.stringify(cloneResultJson(result), null, 2));
    else for (const line of renderCloneResult(result)) io.out(line);
    // Made but not as asked (said in the output): a script must not go on to log in, nor count on a lease.
    if (result.ok) return readyAsAsked(result.vm) ? EXIT.ok : EXIT.failed;
    return result.diagnosis.reason === 'cancelled' ? EXIT.interrupted : EXIT.failed;
  } finally {
    engine.close();
    await client.close();
  }
}
