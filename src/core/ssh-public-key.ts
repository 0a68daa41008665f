/**
 * OpenSSH public keys (`ssh-ed25519 AAAAC3… alice@laptop`), checked as `ssh-keygen -l` would before Proxmox
 * sees one (PVE::Tools::validate_ssh_public_keys answers only "SSH public key validation error"): the type,
 * strict base64, and the key blob's own type string must agree.
 */

const KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
] as const;

const MAX_KEY_TEXT = 8192;

export type SshKeyCheck =
  | { ok: true; key: string; type: string; comment?: string }
  | { ok: false; error: string };

const EXAMPLE = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA… you@laptop (the one line in ~/.ssh/id_ed25519.pub)';

/** Reads the first SSH wire string (uint32 length + bytes) of a key blob. */
function firstString(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len > blob.length - 4) return undefined;
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** Checks one OpenSSH public key line; returns it normalised (single spaces) or a specific reason. */
export function checkSshPublicKey(text: string): SshKeyCheck {
  const line = text.trim();
  if (line === '') return { ok: false, error: `No key given: paste your public key, e.g. ${EXAMPLE}` };
  if (line.length > MAX_KEY_TEXT)
    return { ok: false, error: `That is too long for a public key (${line.length} characters).` };
  if (/PRIVATE KEY/.test(line))
    return {
      ok: false,
      error:
        'That is a *private* key: never share it. Paste the public key (the `.pub` file) instead, and consider that key exposed.',
    };
  if (/[\r\n]/.test(line)) return { ok: false, error: 'Give one key, on one line.' };
  const parts = line.split(/\s+/);
  const [type = '', data = '', ...comment] = parts;
  if (type === 'ssh-dss')
    return {
      ok: false,
      error:
        'DSA (ssh-dss) keys are refused by OpenSSH since 7.0: use an ed25519 key (ssh-keygen -t ed25519).',
    };
  if (!(KEY_TYPES as readonly string[]).includes(type))
    return {
      ok: false,
      error: `'${type.slice(0, 40)}' is not an OpenSSH public key type (${KEY_TYPES.slice(0, 3).join(', ')}, …): paste e.g. ${EXAMPLE}`,
    };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data) || data.length % 4 !== 0)
    return {
      ok: false,
      error: `The key data after '${type}' is not valid base64: copy the whole line again.`,
    };
  const blob = Buffer.from(data, 'base64');
  if (firstString(blob) !== type)
    return {
      ok: false,
      error: `The key data does not hold an ${type} key (truncated or mixed up): copy the whole line again.`,
    };
  if (type === 'ssh-ed25519' && blob.length !== 51)
    return {
      ok: false,
      error: 'The ed25519 key data has the wrong length (truncated?): copy the whole line again.',
    };
  if (type === 'ssh-rsa' && blob.length < 270)
    return {
      ok: false,
      error: 'That RSA key is shorter than 2048 bits: use an ed25519 key (ssh-keygen -t ed25519).',
    };
  const key = [type, data, ...comment].join(' ');
  return comment.length > 0 ? { ok: true, key, type, comment: comment.join(' ') } : { ok: true, key, type };
}

/** The sshkeys value Proxmox wants: the keys, one per line, URL-encoded (format `urlencoded`, encodeURIComponent). */
export function encodeSshKeys(keys: readonly string[]): string {
  return encodeURIComponent(`${keys.join('\n')}\n`);
}
