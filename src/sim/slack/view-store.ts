import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock.ts';
import type { Emit } from './sim-events.ts';
import type { Json, SimView } from './types.ts';
import { initialValues } from './view-state.ts';

/** A trigger_id lives 3 s and can be exchanged once. */
export const TRIGGER_TTL_MS = 3000;
/** Slack stacks at most three modals. */
const MAX_STACK = 3;

interface Trigger {
  user: string;
  createdAt: number;
  used: boolean;
}

/** Modals per user (stacks of up to 3), Home tabs, and the trigger_ids that open them. */
export class ViewStore {
  private readonly views = new Map<string, SimView>();
  private readonly stacks = new Map<string, string[]>();
  private readonly triggers = new Map<string, Trigger>();
  private seq = 0;

  constructor(
    private readonly clock: Clock,
    private readonly emit: Emit,
  ) {}

  /** A new trigger_id for an interaction by `user`. */
  newTrigger(user: string): string {
    const id = `${Math.floor(this.clock.now() / 1000)}.${1000 + this.triggers.size}.${randomBytes(16).toString('hex')}`;
    this.triggers.set(id, { user, createdAt: this.clock.now(), used: false });
    return id;
  }

  /** Exchanges a trigger_id: its user, or the Slack error why not. */
  useTrigger(id: unknown): { user: string } | { error: string } {
    const trigger = typeof id === 'string' ? this.triggers.get(id) : undefined;
    if (!trigger) return { error: 'invalid_trigger_id' };
    if (trigger.used || this.clock.now() - trigger.createdAt > TRIGGER_TTL_MS)
      return { error: 'expired_trigger_id' };
    trigger.used = true;
    return { user: trigger.user };
  }

  /** Opens a new modal stack for the user (replacing any open one, as a new views.open does). */
  open(user: string, view: Json): SimView {
    for (const id of this.stacks.get(user) ?? []) this.setClosed(id);
    const created = this.create(user, view, 'modal');
    this.stacks.set(user, [created.id]);
    return created;
  }

  push(user: string, view: Json): SimView | { error: string } {
    const stack = this.stacks.get(user) ?? [];
    if (stack.length === 0) return { error: 'not_found' };
    if (stack.length >= MAX_STACK) return { error: 'push_limit_reached' };
    const created = this.create(user, view, 'modal', stack[0], stack[stack.length - 1]);
    stack.push(created.id);
    return created;
  }

  /** Replaces an open view's content; checks `hash` like Slack does to catch racing updates. */
  update(
    ref: { viewId?: string; externalId?: string; hash?: string },
    view: Json,
  ): SimView | { error: string } {
    const found = ref.viewId
      ? this.views.get(ref.viewId)
      : [...this.views.values()].find((v) => v.open && v.view.external_id === ref.externalId);
    if (!found?.open) return { error: 'not_found' };
    if (ref.hash !== undefined && ref.hash !== found.hash) return { error: 'hash_conflict' };
    found.view = view;
    found.hash = this.newHash();
    found.values = { ...initialValues(view), ...keep(found.values, view) };
    this.emit({ kind: 'view', view: found });
    return found;
  }

  /** Publishes a user's Home tab. */
  publish(user: string, view: Json, hash?: string): SimView | { error: string } {
    const home = [...this.views.values()].find((v) => v.user === user && v.type === 'home');
    if (home && hash !== undefined && hash !== home.hash) return { error: 'hash_conflict' };
    if (!home) return this.create(user, view, 'home');
    home.view = view;
    home.hash = this.newHash();
    this.emit({ kind: 'view', view: home });
    return home;
  }

  get(id: string): SimView | undefined {
    return this.views.get(id);
  }

  /** Closes one view and every view pushed above it; `all` clears the whole stack. */
  close(id: string, all = false): SimView[] {
    const view = this.views.get(id);
    if (!view) return [];
    const stack = this.stacks.get(view.user) ?? [];
    const at = all ? 0 : stack.indexOf(id);
    const closed = at < 0 ? [id] : stack.splice(at);
    for (const closedId of closed) this.setClosed(closedId);
    return closed.map((c) => this.views.get(c)).filter((v): v is SimView => v !== undefined);
  }

  /** A user's views: open modals in stack order (top last), then the Home tab. */
  forUser(user: string, includeClosed = false): SimView[] {
    return [...this.views.values()].filter((v) => v.user === user && (includeClosed || v.open));
  }

  all(): SimView[] {
    return [...this.views.values()];
  }

  reset(): void {
    this.views.clear();
    this.stacks.clear();
    this.triggers.clear();
  }

  private create(
    user: string,
    view: Json,
    type: 'modal' | 'home',
    root?: string,
    previous?: string,
  ): SimView {
    this.seq += 1;
    const id = `V${String(this.seq).padStart(8, '0')}`;
    const created: SimView = {
      id,
      user,
      hash: this.newHash(),
      type,
      rootViewId: root ?? id,
      view,
      values: initialValues(view),
      open: true,
    };
    if (previous !== undefined) created.previousViewId = previous;
    this.views.set(id, created);
    this.emit({ kind: 'view', view: created });
    return created;
  }

  private setClosed(id: string): void {
    const view = this.views.get(id);
    if (!view?.open) return;
    view.open = false;
    this.emit({ kind: 'view', view });
  }

  private newHash(): string {
    return `${Math.floor(this.clock.now() / 1000)}.${randomBytes(4).toString('hex')}`;
  }
}

/** Keeps what the user typed in inputs that survive an update (same block_id and action_id). */
function keep(values: SimView['values'], view: Json): SimView['values'] {
  const next = initialValues(view);
  const kept: SimView['values'] = {};
  for (const [blockId, actions] of Object.entries(values)) {
    const nextActions = next[blockId];
    if (!nextActions) continue;
    for (const [actionId, value] of Object.entries(actions)) {
      if (nextActions[actionId]) kept[blockId] = { ...kept[blockId], [actionId]: value };
    }
  }
  return kept;
}
