import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX } from './request-keys.ts';

/** A stored key: the line as given (checked) and its SHA256 fingerprint as `ssh-keygen -l` prints it. */
export interface StoredSshKey {
  key: string;
  fingerprint: string;
}

/** The public keys each Slack user added with `/clone key add` (the `sshkey` option puts them in cloud-init). */
export interface SshKeyStore {
  add(userId: string, key: string): Promise<{ added: boolean; key: StoredSshKey; count: number }>;
  list(userId: string): Promise<StoredSshKey[]>;
  remove(userId: string, fingerprint: string): Promise<boolean>;
}

/** At most this many keys per user: enough for laptops and a YubiKey, small enough for one config line. */
export const MAX_KEYS_PER_USER = 10;

/** `SHA256:…` of the key blob, as OpenSSH shows fingerprints (base64, no padding). */
export function sshKeyFingerprint(key: string): string {
  const blob = Buffer.from(key.split(/\s+/)[1] ?? '', 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Keys in one Redis hash per user (fingerprint → key line); public keys are not secrets, kept without expiry. */
export function createSshKeyStore(redis: Redis, prefix = DEFAULT_PREFIX): SshKeyStore {
  const hash = (userId: string) => `${prefix}sshkeys:${userId}`;
  return {
    async add(userId, key) {
      const fingerprint = sshKeyFingerprint(key);
      const count = await redis.hlen(hash(userId));
      const exists = (await redis.hexists(hash(userId), fingerprint)) === 1;
      if (!exists && count >= MAX_KEYS_PER_USER)
        throw new Error(
          `You already have ${count} keys stored (the most is ${MAX_KEYS_PER_USER}): remove one first.`,
        );
      await redis.hset(hash(userId), fingerprint, key);
      return { added: !exists, key: { key, fingerprint }, count: exists ? count : count + 1 };
    },
    async list(userId) {
      const all = await redis.hgetall(hash(userId));
      return Object.entries(all)
        .map(([fingerprint, key]) => ({ fingerprint, key }))
        .sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
    },
    async remove(userId, fingerprint) {
      return (await redis.hdel(hash(userId), fingerprint)) === 1;
    },
  };
}
