import { readFileSync } from 'node:fs';

/**
 * A CA file's PEM (PROXMOX_CA_FILE, REDIS_CA_FILE), read when a connection is made. A file that cannot be read
 * or holds no certificate is an error naming the variable and the path.
 */
export function readCaFile(variable: string, path: string): string {
  let ca: string;
  try {
    ca = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${variable} '${path}' cannot be read: ${(error as Error).message}`);
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error(`${variable} '${path}' is not a PEM certificate (expected -----BEGIN CERTIFICATE-----)`);
  }
  return ca;
}
