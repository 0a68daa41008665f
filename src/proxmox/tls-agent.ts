import { Agent } from 'undici';
import type { ProxmoxConfig } from '../config.ts';
import { readCaFile } from '../config/read-ca-file.ts';

/** PROXMOX_MAX_CONNECTIONS's default. */
export const DEFAULT_MAX_CONNECTIONS = 16;

/**
 * The connection pool to Proxmox, at most PROXMOX_MAX_CONNECTIONS sockets (further requests queue for one).
 * Unbounded, a worker starting a thousand clones opened a TLS connection per request in flight: each costs
 * pveproxy a slot (it serves a few hundred per worker process) and this process ~100 KiB of native memory that
 * the allocator keeps after the burst. It trusts the PROXMOX_CA_FILE CA (instead of the system store) or, only with
 * PROXMOX_INSECURE_TLS, any certificate. Never touches NODE_TLS_REJECT_UNAUTHORIZED, which would switch
 * checking off for Slack and every other connection of the process too.
 */
export function createTlsAgent(
  config: Pick<ProxmoxConfig, 'caFile' | 'insecureTls'> & { maxConnections?: number },
): Agent {
  const connections = config.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  if (config.caFile !== undefined) {
    const ca = readCaFile('PROXMOX_CA_FILE', config.caFile);
    return new Agent({ connections, connect: { ca } });
  }
  if (config.insecureTls) return new Agent({ connections, connect: { rejectUnauthorized: false } });
  return new Agent({ connections });
}

/** The warning a composition root logs at start when certificate checking is off; undefined when it is on. */
export function insecureTlsWarning(config: Pick<ProxmoxConfig, 'insecureTls' | 'url'>): string | undefined {
  if (!config.insecureTls) return undefined;
  return (
    `PROXMOX_INSECURE_TLS is on: the certificate of ${config.url} is not checked, so anyone on the path can ` +
    'read the Proxmox credentials. Set PROXMOX_CA_FILE to /etc/pve/pve-root-ca.pem (copied from a node) instead.'
  );
}
