import type { Diagnosis } from './types.ts';

// A summary whose head (before the first colon) says failed/cancelled is its own headline; the words in
// Proxmox's message after the colon do not count (`Proxmox denied the bot: … failed: 403 …`).
const SAYS_OUTCOME = /\b(failed|cancelled)\b/i;

/**
 * The one-line headline of a failed or cancelled clone: the summary alone when it already says so
 * (`Clone of template 112 failed: …`), else prefixed (`Clone failed: Template 113 is missing boot disk …`).
 */
export function failureHeadline(d: Pick<Diagnosis, 'reason' | 'summary'>): string {
  const head = d.summary.split(':', 1)[0] ?? '';
  if (SAYS_OUTCOME.test(head)) return d.summary;
  return `${d.reason === 'cancelled' ? 'Clone cancelled' : 'Clone failed'}: ${d.summary}`;
}
