import { type ApiMethod, fail, str, toSlackView } from './api-context.ts';
import { checkView } from './block-limits.ts';
import { withBlockIds } from './chat-methods.ts';
import type { Json, SimView } from './types.ts';

/** The view argument checked against Slack's limits, or the answer Slack gives for a bad one. */
function checkedView(args: Json): { view: Json } | { failure: Json } {
  const view = args.view;
  if (typeof view !== 'object' || view === null || Array.isArray(view) || 'invalidJson' in view) {
    return {
      failure: fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] invalid `view`'] } }),
    };
  }
  const errors = checkView(view);
  if (errors.length > 0) {
    const messages = errors.map((e) => `[ERROR] ${e}`);
    return { failure: fail('invalid_arguments', { response_metadata: { messages } }) };
  }
  const json = view as Json;
  const blocks = withBlockIds(Array.isArray(json.blocks) ? (json.blocks as Json[]) : []);
  return { view: { ...json, blocks } };
}

const answer = (result: SimView | { error: string }, ctx: Parameters<ApiMethod>[1]): Json =>
  'error' in result ? fail(result.error) : { ok: true, view: toSlackView(result, ctx) };

const open: ApiMethod = (args, ctx) => {
  if (str(args.trigger_id) === undefined && str(args.interactivity_pointer) === undefined) {
    return fail('invalid_arguments', {
      response_metadata: { messages: ['[ERROR] missing required field: trigger_id'] },
    });
  }
  const checked = checkedView(args);
  if ('failure' in checked) return checked.failure;
  if (checked.view.type !== 'modal') return fail('invalid_arguments');
  const trigger = ctx.views.useTrigger(args.trigger_id ?? args.interactivity_pointer);
  if ('error' in trigger) return fail(trigger.error);
  return answer(ctx.views.open(trigger.user, checked.view), ctx);
};

const push: ApiMethod = (args, ctx) => {
  const checked = checkedView(args);
  if ('failure' in checked) return checked.failure;
  const trigger = ctx.views.useTrigger(args.trigger_id ?? args.interactivity_pointer);
  if ('error' in trigger) return fail(trigger.error);
  return answer(ctx.views.push(trigger.user, checked.view), ctx);
};

const update: ApiMethod = (args, ctx) => {
  const viewId = str(args.view_id);
  const externalId = str(args.external_id);
  if (viewId === undefined && externalId === undefined) return fail('invalid_arguments');
  const checked = checkedView(args);
  if ('failure' in checked) return checked.failure;
  const hash = str(args.hash);
  const ref = {
    ...(viewId !== undefined ? { viewId } : {}),
    ...(externalId !== undefined ? { externalId } : {}),
    ...(hash !== undefined ? { hash } : {}),
  };
  return answer(ctx.views.update(ref, checked.view), ctx);
};

const publish: ApiMethod = (args, ctx) => {
  const user = str(args.user_id);
  if (user === undefined || !ctx.directory.user(user)) return fail('user_not_found');
  const checked = checkedView(args);
  if ('failure' in checked) return checked.failure;
  if (checked.view.type !== 'home') return fail('invalid_arguments');
  return answer(ctx.views.publish(user, checked.view, str(args.hash)), ctx);
};

/** views.* methods. */
export const viewsMethods: Record<string, ApiMethod> = {
  'views.open': open,
  'views.push': push,
  'views.update': update,
  'views.publish': publish,
};
