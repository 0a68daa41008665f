import { generateKeyPairSync } from 'node:crypto';

const wire = (b: Buffer) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
};

/** A fresh, real OpenSSH ed25519 public key line (`ssh-ed25519 AAAAC3… comment`). */
export function ed25519PublicKey(comment = 'alice@laptop'): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  const blob = Buffer.concat([wire(Buffer.from('ssh-ed25519')), wire(raw)]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}
