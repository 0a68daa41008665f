import type { CustomRoute } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Clock } from '../clock.ts';
import type { LeftoverVmProxmox } from '../clone/delete-leftover-vm.ts';
import type { CloneEngine } from '../clone/types.ts';
import type { CloneConfig, SlackConfig } from '../config.ts';
import type { CloneQueue } from '../jobs/types.ts';
import type { Logger } from '../logger.ts';
import type { ProxmoxClient } from '../proxmox/types.ts';
import type { RequestService } from '../requests/request-service.ts';
import type { SshKeyStore } from '../requests/ssh-key-store.ts';
import type { RequestStore } from '../requests/types.ts';
import type { LeaseNotifier, VmLifecycleProxmox } from '../vm/types.ts';
import type { CloneSubcommand } from './listeners/commands/subcommand-types.ts';
import type { SlackMembership } from './slack-membership.ts';
import type { RepairSlackDeps } from './submit-repair.ts';

/** What createSlackApp needs; the composition root builds each part. */
export interface SlackAppDeps {
  config: SlackConfig;
  cloneConfig: CloneConfig;
  engine: CloneEngine;
  store: RequestStore;
  queue: CloneQueue;
  /** Node and storage lists for the `/clone` form (read-only Proxmox calls). */
  inventory: Pick<ProxmoxClient, 'listNodes' | 'listStorages'>;
  /** Reads and deletes the VM a failed clone left behind (the approvers' "Delete VM" button). */
  vms: LeftoverVmProxmox;
  clock: Clock;
  logger: Logger;
  /** The Proxmox web UI's origin (`https://pve1:8006`), for links to VMs. */
  proxmoxUiUrl: string;
  /** Extra HTTP routes on the same server, e.g. /healthz and /metrics. */
  customRoutes?: CustomRoute[];
  /** Our VMs (list, extend, delete, App Home); absent: those commands say they are not set up. */
  vmLifecycle?: VmLifecycleProxmox;
  /** DMs to VM owners (extended, deleted). */
  leaseNotifier?: LeaseNotifier;
  /** The users' SSH public keys (`/clone key add`, the `sshkey` option). */
  sshKeys?: SshKeyStore;
  /** Extra `/clone` subcommands (e.g. `health`), added to help, status and cancel. */
  subcommands?: readonly CloneSubcommand[];
  /** Template repairs (`/clone health repair`, the Repair buttons); absent: those answer that repairs are off. */
  repairs?: RepairSlackDeps;
}

/** What listeners receive: the deps plus the shared membership cache and the Bolt client. */
export interface SlackServices extends SlackAppDeps {
  client: WebClient;
  /** The only way listeners move a request (submit, approve, deny, cancel). */
  requests: RequestService;
  membership: SlackMembership;
  subcommands: readonly CloneSubcommand[];
}
