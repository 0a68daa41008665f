/**
 * What identifies one thing a person did, the same in every delivery of it: Slack redelivers an unacked
 * Socket Mode envelope (and retries Events API callbacks) with the same payload. A slash command, a click
 * and a modal submission each carry a `trigger_id` minted for that one act; an event has its `event_id`.
 * Undefined when the payload has neither (nothing to guard, e.g. `view_closed`).
 */
export function redeliveryKey(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  if (b.type === 'event_callback' && typeof b.event_id === 'string' && b.event_id !== '') {
    return `event:${b.event_id}`;
  }
  if (typeof b.trigger_id === 'string' && b.trigger_id !== '') {
    const kind = typeof b.command === 'string' ? 'command' : String(b.type ?? 'interaction');
    return `${kind}:${b.trigger_id}`;
  }
  return undefined;
}
