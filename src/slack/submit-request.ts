import type { PreflightResult } from '../clone/types.ts';
import { policyFor } from '../core/template-policy.ts';
import type { CloneRequest } from '../core/types.ts';
import type { CloneRequestRecord } from '../requests/types.ts';
import { applyClonePolicy } from '../vm/apply-clone-policy.ts';
import type { MembershipAnswer } from './slack-membership.ts';
import type { SlackServices } from './slack-services.ts';

/** Who asked, where, and what they typed. */
export interface SubmitInput {
  request: CloneRequest;
  text: string;
  userId: string;
  userName?: string;
  channelId: string;
}

/** Submit succeeded (request posted, or queued at once), or a line saying why not with an optional hint. */
export type SubmitOutcome =
  | { ok: true; record: CloneRequestRecord; queued: boolean }
  | { ok: false; error: string; hint?: string };

/** Told when Slack could not say whether the user is in a requester group. */
export const REQUESTERS_UNKNOWN =
  "I couldn't check the requester group with Slack just now; try again in a minute.";

/** Is this user (or channel) allowed to ask for clones? An empty CLONE_REQUESTERS allows everyone. */
export async function mayRequest(
  s: SlackServices,
  userId: string,
  channelId: string,
): Promise<MembershipAnswer> {
  if (s.config.requesters.length === 0) return 'yes';
  return s.membership.check(s.config.requesters, userId, channelId);
}

/**
 * Checks a parsed request (who may ask, then the live cluster), stores it, posts the request message in
 * the channel, and queues it at once when no approval is required. Nothing is stored when a check fails.
 */
export async function submitRequest(
  s: SlackServices,
  input: SubmitInput,
  /** A preflight already started (the modal races it against Slack's 3 s), else run here. */
  started?: Promise<PreflightResult>,
): Promise<SubmitOutcome> {
  const log = s.logger.child({ user: input.userId, channel: input.channelId });
  const allowed = await mayRequest(s, input.userId, input.channelId);
  if (allowed === 'unknown') return { ok: false, error: REQUESTERS_UNKNOWN };
  if (allowed === 'no') {
    log.info(
      { audit: true, text: input.text, at: new Date(s.clock.now()).toISOString() },
      'clone request refused: not an allowed requester',
    );
    return {
      ok: false,
      error: 'You are not allowed to request clones here.',
      hint: 'Ask an admin to add you, your user group or this channel to CLONE_REQUESTERS.',
    };
  }
  const withKeys = await resolveSshKeys(s, input);
  if ('error' in withKeys) return { ok: false, error: withKeys.error, hint: withKeys.hint };
  input = { ...input, request: withKeys };
  const preflight = await (started ?? s.engine.preflight(input.request));
  if (!preflight.ok) {
    const d = preflight.diagnosis;
    log.info({ text: input.text, reason: d.reason }, 'clone request refused by preflight');
    return { ok: false, error: d.summary, ...(d.advice[0] !== undefined ? { hint: d.advice[0] } : {}) };
  }
  // Per-template rules (CLONE_POLICY_FILE): who may ask, defaults, lease maximum, quota, approval.
  const policy = policyFor(s.cloneConfig.policy, preflight.template);
  if ((policy.requesters?.length ?? 0) > 0) {
    const may = await s.membership.check(policy.requesters ?? [], input.userId, input.channelId);
    if (may === 'unknown') return { ok: false, error: REQUESTERS_UNKNOWN };
    if (may === 'no')
      return {
        ok: false,
        error: `Template ${preflight.template.vmid} may only be requested by the people its policy names.`,
        hint: 'Ask an admin (CLONE_POLICY_FILE).',
      };
  }
  const applied = await applyClonePolicy(
    s.vmLifecycle === undefined ? undefined : { proxmox: s.vmLifecycle, store: s.store },
    s.cloneConfig.policy,
    { request: input.request, template: preflight.template, ownerId: input.userId, now: s.clock.now() },
  );
  if ('error' in applied) {
    log.info({ text: input.text, why: applied.error }, 'clone request refused by its template policy');
    return { ok: false, error: applied.error };
  }
  const o = await s.requests.submit({
    request: applied.request,
    templateVmid: preflight.template.vmid,
    text: input.text,
    requester:
      input.userName !== undefined
        ? { userId: input.userId, userName: input.userName }
        : { userId: input.userId },
    channelId: input.channelId,
    requireApproval: policy.approval ?? s.config.requireApproval,
    approvalTtlMs: s.config.approvalTtlMs,
  });
  if (o.ok) return { ok: true, record: o.record, queued: o.queued === true };
  if (o.reason === 'not-posted') {
    return {
      ok: false,
      error: 'I could not post the request in this channel.',
      hint: 'Invite the bot to the channel (/invite @pve-clonebot) or use /clone in a public channel.',
    };
  }
  if (o.record?.status !== 'failed') {
    return {
      ok: false,
      error: `I could not queue the clone, and the request is now ${o.record?.status ?? 'gone'}.`,
    };
  }
  // Raw here (renderCommandError escapes it); the service's thread reply escapes its own copy.
  return {
    ok: false,
    error: `Request \`${o.record.id}\` failed: I could not queue the clone (the job queue did not answer), so nothing was started.`,
    hint: `Try again in a moment: \`/clone ${input.text}\``,
  };
}

/** `sshkey`: the requester's stored keys go into the request now, so the worker needs no key store. */
async function resolveSshKeys(
  s: SlackServices,
  input: SubmitInput,
): Promise<CloneRequest | { error: string; hint: string }> {
  const setup = input.request.setup;
  if (!setup?.sshKey) return input.request;
  const keys = s.sshKeys === undefined ? [] : await s.sshKeys.list(input.userId);
  if (keys.length === 0)
    return {
      error: 'You asked for `sshkey`, but you have no SSH public key stored.',
      hint: 'Add yours first: /clone key add ssh-ed25519 AAAA… you@laptop (then ask again with sshkey).',
    };
  return { ...input.request, setup: { ...setup, sshKeys: keys.map((k) => k.key) } };
}
