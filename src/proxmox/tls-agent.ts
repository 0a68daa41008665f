import { readFileSync } from 'node:fs';
import { Agent } from 'undici';
import type { ProxmoxConfig } from '../config.ts';

/**
 * The connection pool to Proxmox: trusts the PROXMOX_CA_FILE CA (instead of the system store) or, only with
 * PROXMOX_INSECURE_TLS, any certificate. Never touches NODE_TLS_REJECT_UNAUTHORIZED, which would switch
 * checking off for Slack and every other connection of the process too.
 */
export function createTlsAgent(config: Pick<ProxmoxConfig, 'caFile' | 'insecureTls'>): Agent {
  if (config.caFile !== undefined) {
    let ca: string;
    try {
      ca = readFileSync(config.caFile, 'utf8');
    } catch (error) {
      throw new Error(`PROXMOX_CA_FILE '${config.caFile}' cannot be read: ${(error as Error).message}`);
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
      throw new Error(
        `PROXMOX_CA_FILE '${config.caFile}' is not a PEM certificate (expected -----BEGIN CERTIFICATE-----)`,
      );
    }
    return new Agent({ connect: { ca } });
  }
  if (config.insecureTls) return new Agent({ connect: { rejectUnauthorized: false } });
  return new Agent();
}

/** The warning a composition root logs at start when certificate checking is off; undefined when it is on. */
export function insecureTlsWarning(config: Pick<ProxmoxConfig, 'insecureTls' | 'url'>): string | undefined {
  if (!config.insecureTls) return undefined;
  return (
    `PROXMOX_INSECURE_TLS is on: the certificate of ${config.url} is not checked, so anyone on the path can ` +
    'read the Proxmox credentials. Set PROXMOX_CA_FILE to /etc/pve/pve-root-ca.pem (copied from a node) instead.'
  );
}
