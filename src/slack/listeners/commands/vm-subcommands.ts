import { parseDuration } from '../../../core/lease.ts';
import { renderCommandError, renderNotice, renderRefusal } from '../../messages/error-message.ts';
import { renderVmList } from '../../messages/vm-messages.ts';
import { deleteVm, extendVm, listVms, parseVmRef } from '../../vm-actions.ts';
import type { CloneSubcommand } from './subcommand-types.ts';

/** `/clone list [all]`: my VMs, or every clonebot VM for approvers. */
export const listSubcommand: CloneSubcommand = {
  name: 'list',
  usage: '/clone list [all]',
  description: 'your VMs (all of them for approvers): node, state, IP, owner, lease',
  async run(ctx) {
    const all = ctx.args[0]?.toLowerCase() === 'all';
    if (ctx.args.length > 0 && !all) {
      await ctx.respond(
        renderCommandError(`Unknown: /clone list ${ctx.args.join(' ')}`, undefined, this.usage),
      );
      return;
    }
    const r = await listVms(ctx.services, ctx.userId, all);
    if (!r.ok) {
      await ctx.respond(renderRefusal(r.text));
      return;
    }
    await ctx.respond(renderVmList(r.rows, ctx.services.clock.now(), all ? 'All clonebot VMs' : 'Your VMs'));
  },
};

/** `/clone extend <vm> <duration>`. */
export const extendSubcommand: CloneSubcommand = {
  name: 'extend',
  usage: '/clone extend <vmid|name> <duration>',
  description: "moves a VM's lease end (within the maximum; approvers beyond it)",
  async run(ctx) {
    const ref = parseVmRef(ctx.args[0]);
    const text = ctx.args.slice(1).join('');
    const byMs = text === '' ? undefined : parseDuration(text);
    if (ref === undefined || byMs === undefined) {
      await ctx.respond(
        renderCommandError(
          ref === undefined
            ? 'Say which VM: its VMID or name.'
            : `'${ctx.args.slice(1).join(' ') || '(nothing)'}' is not a duration.`,
          'e.g. /clone extend 205 2d',
          this.usage,
        ),
      );
      return;
    }
    if (byMs <= 0) {
      await ctx.respond(
        renderCommandError(
          'An extension must be a positive duration.',
          'e.g. /clone extend 205 2d',
          this.usage,
        ),
      );
      return;
    }
    const r = await extendVm(ctx.services, ctx.userId, ref, byMs);
    await ctx.respond(r.ok ? renderNotice(r.text) : renderRefusal(r.text));
  },
};

/** `/clone delete <vm>`. */
export const deleteSubcommand: CloneSubcommand = {
  name: 'delete',
  usage: '/clone delete <vmid|name>',
  description: 'stops and deletes one of your VMs (approvers: any clonebot VM)',
  async run(ctx) {
    const ref = parseVmRef(ctx.args[0]);
    if (ref === undefined || ctx.args.length > 1) {
      await ctx.respond(
        renderCommandError(
          'Say which VM: its VMID or name, nothing else.',
          'e.g. /clone delete 205',
          this.usage,
        ),
      );
      return;
    }
    const r = await deleteVm(ctx.services, ctx.userId, ref);
    await ctx.respond(r.ok ? renderNotice(r.text) : renderRefusal(r.text));
  },
};
