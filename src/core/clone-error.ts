import { explainPermissionDenied, type PermissionContext } from './permission-advice.ts';
import type { FailureReason } from './types.ts';

/** A Proxmox API error in our terms: HTTP status, Proxmox's message and its per-parameter errors. */
export interface ApiErrorFacts {
  status?: number;
  message: string;
  errors?: Record<string, string>;
}

/** What a refused clone POST means: the reason, the why in one line, advice, and whether to retry. */
export interface CloneErrorClass {
  reason: FailureReason;
  summary: string;
  advice: string[];
  retry: 'new-vmid' | 'no';
}

/** Proxmox's texts for refused credentials (401 of the auth layer: token, ticket, CSRF token, login). */
export const AUTH_FAILURE =
  /authentication failure|No ticket|invalid (?:PVE ticket|token value|csrf token)|Authentication failed/i;

/** What to check when Proxmox refuses the bot's credentials (a 401, not a missing privilege). */
export const AUTH_ADVICE: readonly string[] = [
  'check PROXMOX_TOKEN_ID and PROXMOX_TOKEN_SECRET (or PROXMOX_USERNAME and PROXMOX_PASSWORD)',
  'check that the token exists (Datacenter → Permissions → API Tokens) and has not expired, and that its user is enabled',
];

type Rule = [RegExp, (m: RegExpExecArray, e: ApiErrorFacts) => CloneErrorClass];

/** What the clone asked for, where an error's wording depends on it (a bare `Permission check failed`). */
export type CloneErrorContext = PermissionContext;

const no = (reason: FailureReason, summary: string, ...advice: string[]): CloneErrorClass => ({
  reason,
  summary,
  advice,
  retry: 'no',
});

const RULES: Rule[] = [
  [
    /parameter '(\w+)' not allowed for linked clones/,
    (m) =>
      no(
        'invalid-request',
        `Proxmox refuses '${m[1]}' for a linked clone`,
        `drop '${m[1]}' or ask for a full clone`,
      ),
  ],
  [
    /storage '([^']+)' does not support vm images/,
    (m) =>
      no(
        'storage-invalid',
        `Storage ${m[1]} cannot hold VM disks (its content does not include Disk image)`,
        `pick a storage whose content includes Disk image, or enable it on ${m[1]} (Datacenter → Storage)`,
      ),
  ],
  [
    /can't clone to non-shared storage '([^']+)'/,
    (m) =>
      no(
        'storage-invalid',
        `Storage ${m[1]} is not shared, so a clone to another node cannot use it`,
        'pick a shared storage for the target node, or clone without target',
      ),
  ],
  [
    /storage '([^']+)' is not available on node '([^']+)'/,
    (m) =>
      no(
        'storage-invalid',
        `Storage ${m[1]} is not available on node ${m[2]}`,
        `pick a storage that ${m[2]} has, or add ${m[2]} to the nodes of ${m[1]} (Datacenter → Storage → Edit → Nodes)`,
      ),
  ],
  [
    /storage '([^']+)' does not exist/,
    (m) =>
      no(
        'storage-invalid',
        `Storage ${m[1]} does not exist in this cluster`,
        'pick one of the storages listed under Datacenter → Storage',
      ),
  ],
  [
    /can't clone VM to node '([^']+)' \(VM uses local storage\)/,
    (m) =>
      no(
        'clone-rejected',
        `The template's disks are on local storage, so it cannot be cloned to node ${m[1]}`,
        `clone on the template's node and migrate the new VM to ${m[1]} afterwards, or use that node's own template copy`,
      ),
  ],
  [
    /Configuration file '(?:nodes\/([^/]+)\/)?qemu-server\/(\d+)\.conf' does not exist/,
    (m) =>
      no(
        'template-not-found',
        `VM ${m[2]} does not exist${m[1] ? ` on ${m[1]}` : ''}`,
        'check the template VMID and the node it is on',
      ),
  ],
  [
    /VM is locked \((\w[\w-]*)\)/,
    (m) =>
      no(
        'template-locked',
        `The template is locked (${m[1]}): Proxmox refuses to clone it now`,
        `wait for the ${m[1]} task to finish (Datacenter → Tasks) and try again`,
        'never remove the lock by hand unless you know the task holding it is dead',
      ),
  ],
  [
    // PVE says 500 `pool 'x' does not exist` or, from its permission layer, 403 `Permission check failed (pool …)`.
    /pool '([^']+)' does not exist/,
    (m) =>
      no(
        'invalid-request',
        `Pool ${m[1]} does not exist in this cluster`,
        'pick an existing pool (Datacenter → Permissions → Pools) or leave out `pool`; nothing was created',
      ),
  ],
  [
    /snapshot '([^']+)' does not exist/,
    (m) =>
      no(
        'clone-rejected',
        `Snapshot ${m[1]} does not exist`,
        'clone without a snapshot, or name an existing one',
      ),
  ],
  [
    /Linked clone feature is not supported for '([^']+)' \((\w+)\)/,
    (m) =>
      no(
        'clone-rejected',
        `Storage of ${m[2]} (${m[1]}) does not support linked clones`,
        "ask for a 'full' clone instead",
      ),
  ],
  [
    /unable to create VM (\d+): config file already exists|File exists/,
    (m) => ({
      reason: 'vmid-taken',
      summary: m[1] ? `VMID ${m[1]} is already taken` : 'The new VMID is already taken',
      advice: ['leave out vmid to use the next free one, or pick another'],
      retry: 'new-vmid',
    }),
  ],
  [AUTH_FAILURE, () => no('permission-denied', "Proxmox rejected the bot's credentials", ...AUTH_ADVICE)],
];

/** Classifies the error of a clone POST (the synchronous checks Proxmox makes before starting a task). */
export function classifyCloneError(e: ApiErrorFacts, context: CloneErrorContext = {}): CloneErrorClass {
  // A 400 says only `Parameter verification failed.`: the reason is in `errors.<field>` (pve-common
  // `raise_param_exc`), e.g. `{storage: "storage 'local' does not support vm images"}`. Read both.
  const texts = [e.message, ...Object.values(e.errors ?? {})];
  for (const [re, build] of RULES) {
    for (const text of texts) {
      const m = re.exec(text);
      if (m) return build(m, e);
    }
  }
  const denied = explainPermissionDenied(e.message, context);
  if (denied) return no('permission-denied', denied.summary, ...denied.advice);
  const params = Object.entries(e.errors ?? {});
  if (e.status === 400 && params.length > 0) {
    const list = params.map(([k, v]) => `${k}: ${v.trim()}`).join('; ');
    return no(
      'invalid-request',
      `Proxmox refused the request: ${list}`,
      'correct the named parameter and try again',
    );
  }
  if (e.status === 401) {
    return no('permission-denied', `Proxmox rejected the bot's credentials: ${message(e)}`, ...AUTH_ADVICE);
  }
  if (e.status === 403) {
    return no(
      'permission-denied',
      `Proxmox denied the clone: ${e.message}`,
      "grant VM.Clone on the template, VM.Allocate on /vms (or the pool), Datastore.AllocateSpace on the storages and SDN.Use on the bridges to the bot's token and its user",
    );
  }
  if (e.status === 595 || e.status === 596) {
    return no(
      'node-offline',
      `Proxmox could not reach the node: ${e.message}`,
      'check the node is online (Datacenter → Summary) and retry',
    );
  }
  return no('clone-rejected', `Proxmox refused the clone: ${message(e)}`, ...rejectedAdvice(message(e)));
}

/** Advice for a refusal no rule knows: Proxmox's own words, that nothing was created, what to check. */
export function rejectedAdvice(proxmoxMessage: string): string[] {
  return [
    `Proxmox said: "${proxmoxMessage}"; nothing was created`,
    'check the request (template, node, storage, pool, target) against that message and try again',
  ];
}

const message = (e: ApiErrorFacts) => e.message.trim() || `HTTP ${e.status ?? '?'}`;
