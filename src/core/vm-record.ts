/**
 * The VM is the record (issue 10 item 2): our clones carry the tag `clonebot`, an owner tag, and a
 * description whose `clonebot-*:` lines say who asked, who approved, which request and template, and when
 * the lease ends. The sweep, /clone list and delete read these back from Proxmox, so a lost Redis loses no
 * ownership. Pure functions: build, parse, and check that tags and description agree.
 */

export const CLONEBOT_TAG = 'clonebot';
const MARK = 'Managed by pve-clonebot: do not edit the clonebot-* lines.';

/** Who and what a VM of ours belongs to. `expiresAt` absent: no lease. */
export interface VmOwnership {
  requestId: string;
  ownerId: string;
  ownerName?: string;
  approverId?: string;
  template: string;
  expiresAt?: number;
  /** Lease extensions so far (shown, and audited elsewhere). */
  extensions?: number;
}

/**
 * A Proxmox tag from a Slack name: Proxmox tags allow only `[a-z0-9_+.-]` (pve-common `$PVE_TAG_RE`, first
 * character not `-+.`); anything else becomes `-`. Prefixed `owner-` so it never collides with other tags.
 */
export function ownerTag(owner: { ownerId: string; ownerName?: string }): string {
  const base = (owner.ownerName ?? owner.ownerId)
    .toLowerCase()
    .replace(/[^a-z0-9_+.-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[-+.]+|[-+.]+$/g, '');
  return `owner-${(base || owner.ownerId.toLowerCase().replace(/[^a-z0-9]/g, '')).slice(0, 48)}`;
}

/** The `tags` value for our VM: `clonebot;owner-alice` (Proxmox sorts and joins with `;`). */
export function vmTags(o: VmOwnership): string {
  return [CLONEBOT_TAG, ownerTag(o)].sort().join(';');
}

/** A Slack name as it can stand in the description's `(…)`: no newlines or parentheses, spaces collapsed. */
const descriptionName = (name: string) =>
  name
    .replace(/[\r\n()]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** The description: a human line, then one `clonebot-key: value` line each (Proxmox shows it as Notes). */
export function vmDescription(o: VmOwnership): string {
  const lines = [
    MARK,
    `clonebot-request: ${o.requestId}`,
    `clonebot-owner: ${o.ownerId}${o.ownerName === undefined ? '' : ` (${descriptionName(o.ownerName)})`}`,
  ];
  if (o.approverId !== undefined) lines.push(`clonebot-approver: ${o.approverId}`);
  lines.push(`clonebot-template: ${o.template}`);
  lines.push(
    `clonebot-expires: ${o.expiresAt === undefined ? 'never' : new Date(o.expiresAt).toISOString()}`,
  );
  if ((o.extensions ?? 0) > 0) lines.push(`clonebot-extensions: ${o.extensions}`);
  return lines.join('\n');
}

/** Reads our lines back from a description; undefined when it is not ours (or a line is unreadable). */
export function parseVmDescription(description: unknown): VmOwnership | undefined {
  if (typeof description !== 'string' || !description.includes('clonebot-request:')) return undefined;
  const fields = new Map<string, string>();
  for (const line of description.split('\n')) {
    const m = /^clonebot-([a-z]+):\s*(.*?)\s*$/.exec(line);
    if (m) fields.set(m[1] as string, m[2] as string);
  }
  const requestId = fields.get('request');
  const owner = /^(\S+)(?: \((.*)\))?$/.exec(fields.get('owner') ?? '');
  const template = fields.get('template');
  const expires = fields.get('expires');
  if (!requestId || !owner || template === undefined || expires === undefined) return undefined;
  const o: VmOwnership = { requestId, ownerId: owner[1] as string, template };
  if (owner[2] !== undefined) o.ownerName = owner[2];
  const approver = fields.get('approver');
  if (approver !== undefined) o.approverId = approver;
  if (expires !== 'never') {
    const at = Date.parse(expires);
    if (Number.isNaN(at)) return undefined;
    o.expiresAt = at;
  }
  const ext = Number(fields.get('extensions') ?? 0);
  if (ext > 0) o.extensions = ext;
  return o;
}

/** The tags of a config as a list (`clonebot;owner-alice` or with `,`/spaces). */
export function tagList(tags: unknown): string[] {
  return typeof tags === 'string' ? tags.split(/[;,\s]+/).filter((t) => t !== '') : [];
}

/** Why a VM may not be treated as ours, or undefined when tags and description agree. */
export type NotOurs =
  | { kind: 'no-tag' }
  | { kind: 'no-record' }
  | { kind: 'template' }
  | { kind: 'mismatch'; detail: string };

/**
 * Ours only when: not a template, tagged `clonebot`, our description readable, and the owner tag matches
 * the owner in the description. A VM someone retagged or re-described is reported, never touched.
 */
export function checkOurs(
  config: Record<string, unknown>,
): { ok: true; ownership: VmOwnership } | { ok: false; why: NotOurs } {
  if (Number(config.template ?? 0) === 1) return { ok: false, why: { kind: 'template' } };
  const tags = tagList(config.tags);
  if (!tags.includes(CLONEBOT_TAG)) return { ok: false, why: { kind: 'no-tag' } };
  const ownership = parseVmDescription(config.description);
  if (!ownership) return { ok: false, why: { kind: 'no-record' } };
  const want = ownerTag(ownership);
  const owners = tags.filter((t) => t.startsWith('owner-'));
  if (owners.length !== 1 || owners[0] !== want)
    return {
      ok: false,
      why: {
        kind: 'mismatch',
        detail: `the description names ${want}, the tags say ${owners.join(', ') || 'no owner'}`,
      },
    };
  return { ok: true, ownership };
}

/** One line for a report: why a VM was left alone. */
export function describeNotOurs(why: NotOurs): string {
  switch (why.kind) {
    case 'template':
      return 'it is a template';
    case 'no-tag':
      return "it has no 'clonebot' tag";
    case 'no-record':
      return 'its description has no readable clonebot record';
    case 'mismatch':
      return `its tags and lease record disagree (${why.detail})`;
  }
}
