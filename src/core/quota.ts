import type { TemplatePolicy } from './template-policy.ts';

/** A requester's current use, to check a quota: their VMs, and their requests not yet ended (in flight). */
export interface QuotaUse {
  vms: number;
  diskBytes: number;
  /** Requests pending approval, approved (queued) or cloning whose VM is not among `vms` yet. */
  inFlight?: number;
  inFlightDiskBytes?: number;
}

/**
 * Counts a requester's use: every VM of theirs, plus every request of theirs in flight whose VM is not one of
 * them yet (a clone that has made its VM is counted once, by the request id its VM records). `exclude`: the
 * request being decided, which is the new clone itself.
 */
export function countQuotaUse(
  vms: readonly { requestId: string; diskBytes: number }[],
  open: readonly { id: string; diskBytes: number }[],
  exclude?: string,
): QuotaUse {
  const made = new Set(vms.map((vm) => vm.requestId));
  const waiting = open.filter((r) => r.id !== exclude && !made.has(r.id));
  const sum = (xs: readonly { diskBytes: number }[]) => xs.reduce((a, x) => a + x.diskBytes, 0);
  return {
    vms: vms.length,
    diskBytes: sum(vms),
    inFlight: waiting.length,
    inFlightDiskBytes: sum(waiting),
  };
}

const GiB = 1024 ** 3;
const gib = (bytes: number) => `${(bytes / GiB).toFixed(0)} GiB`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Whose use a quota line shows (`you have`, `they have`), and the commands it names (Slack's or the CLI's). */
export interface QuotaWording {
  holder?: string;
  commands?: { list: string; delete: string; status?: string; cancel?: string };
}

const SLACK_COMMANDS = {
  list: '/clone list',
  delete: '/clone delete <vm>',
  status: '/clone status',
  cancel: '/clone cancel <request-id>',
};

/** One line refusing a request that would exceed the quota, with the current use shown; undefined when it fits. */
export function checkQuota(
  p: TemplatePolicy,
  use: QuotaUse,
  newDiskBytes: number,
  wording: QuotaWording = {},
): string | undefined {
  const q = p.quota;
  if (q === undefined) return undefined;
  const holder = wording.holder ?? 'you have';
  const c = wording.commands ?? SLACK_COMMANDS;
  const inFlight = use.inFlight ?? 0;
  const inFlightDisk = use.inFlightDiskBytes ?? 0;
  const waiting = inFlight > 0 ? ` and ${plural(inFlight, 'request')} in flight (${gib(inFlightDisk)})` : '';
  const used = `${holder} ${plural(use.vms, 'VM')} using ${gib(use.diskBytes)}${waiting}`;
  const orCancel =
    inFlight > 0 && c.status !== undefined && c.cancel !== undefined
      ? ` or cancel a request (${c.status}, ${c.cancel})`
      : '';
  if (q.vms !== undefined && use.vms + inFlight + 1 > q.vms)
    return `Quota: ${used}, and the limit is ${plural(q.vms, 'VM')}: delete one first (${c.list}, ${c.delete})${orCancel}`;
  if (q.diskGiB !== undefined && (use.diskBytes + inFlightDisk + newDiskBytes) / GiB > q.diskGiB)
    return `Quota: ${used}; this clone adds ${gib(newDiskBytes)}, past the limit of ${q.diskGiB} GiB: delete a VM first (${c.list})${orCancel}`;
  return undefined;
}
