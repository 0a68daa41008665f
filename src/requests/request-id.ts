import { randomBytes } from 'node:crypto';

// RFC 4648 base-32 in lower case: safe in Slack button values, BullMQ job ids and Redis keys.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** A new request id: `cr-` + 8 random base-32 characters (40 bits). */
export function newRequestId(): string {
  const bytes = randomBytes(8);
  let id = 'cr-';
  for (const b of bytes) id += ALPHABET[b & 31];
  return id;
}

/** True for a string shaped like a request id (checked before it is used in a Redis key). */
export function isRequestId(value: string): boolean {
  return /^cr-[a-z2-7]{8}$/.test(value);
}
