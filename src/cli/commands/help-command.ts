import type { CliCommand } from '../cli-command.ts';
import { EXIT } from '../cli-command.ts';

/** `pve-clonebot help`: every command's usage and what it does. */
export function helpCommand(commands: () => readonly CliCommand[]): CliCommand {
  return {
    name: 'help',
    usage: 'help',
    summary: 'show this help',
    async run(_args, io) {
      io.out('pve-clonebot - clone Proxmox VE VMs from templates, and explain every outcome');
      io.out('');
      io.out('Usage:');
      for (const c of commands()) {
        io.out(`  pve-clonebot ${c.usage}`);
        io.out(`      ${c.summary}`);
      }
      io.out('');
      io.out(
        'Configuration comes from the environment (PROXMOX_URL, PROXMOX_TOKEN_ID, PROXMOX_TOKEN_SECRET,',
      );
      io.out(
        'PROXMOX_CA_FILE, CLONE_TIMEOUT_SECONDS, PROGRESS_INTERVAL_SECONDS, TEMPLATE_NODE_IDS, LOG_LEVEL;',
      );
      io.out(
        'health also HEALTH_LOCK_STUCK_MINUTES, and REDIS_URL to share lock ages with the bot). See .env.example.',
      );
      io.out(
        'clone, list, delete and leases also read CLONE_POLICY_FILE; clone and delete act as CLONEBOT_OWNER, clone',
      );
      io.out(
        'reads CLONEBOT_SSH_PUBLIC_KEY_FILE for sshkey; delete and leases DM owners with SLACK_BOT_TOKEN, and leases',
      );
      io.out('remembers its DMs in REDIS_URL.');
      return EXIT.ok;
    },
  };
}
