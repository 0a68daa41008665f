import { checkSshPublicKey } from '../../../core/ssh-public-key.ts';
import { renderCommandError, renderNotice } from '../../messages/error-message.ts';
import { escapeMrkdwn } from '../../messages/slack-limits.ts';
import type { CloneSubcommand } from './subcommand-types.ts';

const USAGE = '/clone key add <ssh-public-key> | /clone key list | /clone key remove <SHA256:fingerprint>';

/** `/clone key add|list|remove`: the public keys the `sshkey` option puts into a clone's cloud-init. */
export const keySubcommand: CloneSubcommand = {
  name: 'key',
  usage: USAGE,
  description: 'your SSH public keys, put into clones made with the sshkey option',
  async run(ctx) {
    const store = ctx.services.sshKeys;
    if (store === undefined) {
      await ctx.respond(renderCommandError('SSH keys are not set up on this bot.', 'Ask an admin.', USAGE));
      return;
    }
    const [verb = '', ...rest] = ctx.args;
    switch (verb.toLowerCase()) {
      case 'add': {
        const checked = checkSshPublicKey(rest.join(' '));
        if (!checked.ok) {
          await ctx.respond(
            renderCommandError(
              checked.error,
              'Example: /clone key add ssh-ed25519 AAAAC3Nz… you@laptop',
              USAGE,
            ),
          );
          return;
        }
        try {
          const r = await store.add(ctx.userId, checked.key);
          ctx.services.logger.info(
            { audit: true, user: ctx.userId, fingerprint: r.key.fingerprint },
            'ssh public key stored',
          );
          await ctx.respond(
            renderNotice(
              `${r.added ? 'Stored' : 'Already stored'}: ${checked.type} \`${r.key.fingerprint}\`${checked.comment ? ` (${escapeMrkdwn(checked.comment)})` : ''}. You have ${r.count} key${r.count === 1 ? '' : 's'}; add \`sshkey\` to a /clone request to put them in.`,
            ),
          );
        } catch (err) {
          await ctx.respond(renderCommandError((err as Error).message, undefined, USAGE));
        }
        return;
      }
      case 'list': {
        const keys = await store.list(ctx.userId);
        await ctx.respond(
          renderNotice(
            keys.length === 0
              ? 'You have no SSH keys stored. Add one: /clone key add ssh-ed25519 AAAA… you@laptop'
              : keys
                  .map(
                    (k) =>
                      `• \`${k.fingerprint}\` ${escapeMrkdwn(k.key.split(/\s+/).slice(0, 1).concat(k.key.split(/\s+/).slice(2)).join(' '))}`,
                  )
                  .join('\n'),
          ),
        );
        return;
      }
      case 'remove': {
        const fp = rest[0];
        if (fp === undefined || !fp.startsWith('SHA256:')) {
          await ctx.respond(
            renderCommandError('Say which key: its fingerprint from /clone key list.', undefined, USAGE),
          );
          return;
        }
        const removed = await store.remove(ctx.userId, fp);
        await ctx.respond(
          renderNotice(
            removed
              ? `Removed \`${escapeMrkdwn(fp)}\`.`
              : `No key \`${escapeMrkdwn(fp)}\` is stored for you.`,
          ),
        );
        return;
      }
      default:
        await ctx.respond(renderCommandError(`Unknown: /clone key ${escapeMrkdwn(verb)}`, undefined, USAGE));
    }
  },
};
