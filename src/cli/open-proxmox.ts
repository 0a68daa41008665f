import { pino } from 'pino';
import { systemClock } from '../clock.ts';
import type { Config } from '../config.ts';
import { createLogger, type Logger } from '../logger.ts';
import { createProxmoxClient, insecureTlsWarning, type ProxmoxHttpClient } from '../proxmox/index.ts';

/** What a command gets from openProxmox: a logger on stderr and a Proxmox client, or why there is none. */
export type OpenedProxmox =
  | { ok: true; logger: Logger; client: ProxmoxHttpClient }
  | { ok: false; message: string };

/**
 * A command's logger (stderr, synchronous, so it never mixes into stdout) and Proxmox client, with the
 * insecure-TLS warning logged; a client that cannot be made (e.g. an unreadable CA file) comes back as one line.
 */
export function openProxmox(config: Pick<Config, 'proxmox' | 'log'>): OpenedProxmox {
  const logger = createLogger(config.log.level, pino.destination({ fd: 2, sync: true }));
  const warning = insecureTlsWarning(config.proxmox);
  if (warning) logger.warn(warning);
  try {
    return { ok: true, logger, client: createProxmoxClient(config.proxmox, { logger, clock: systemClock }) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}
