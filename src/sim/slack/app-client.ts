import { type ApiContext, toSlackMessage, toSlackView } from './api-context.ts';
import { checkView } from './block-limits.ts';
import { appHomeOpenedEvent, eventCallback } from './event-payloads.ts';
import { actionEntry, type ElementQuery, findActionElement } from './find-action-element.ts';
import {
  type ActionContainer,
  blockActionsPayload,
  type PayloadSource,
  payloadForm,
  slashCommandForm,
  viewClosedPayload,
  viewSubmissionPayload,
} from './interaction-payloads.ts';
import type { ResponseUrls } from './response-urls.ts';
import { postSigned, type RawAppResponse, type SignedRequestOptions } from './sign-request.ts';
import type { EnvelopeType, SocketModeServer } from './socket-mode-server.ts';
import type { AppResponse, AppTransport, Json } from './types.ts';
import { applyInput, type SimpleValue } from './view-state.ts';

/** A slash command typed by `userId` in `channelId`. */
export interface SlashCommandInput {
  userId: string;
  channelId: string;
  text: string;
  command?: string;
}

/** A click or choice on an element of a message (channelId + messageTs) or of a modal (viewId). */
export interface BlockActionInput extends ElementQuery {
  userId: string;
  channelId?: string;
  messageTs?: string;
  viewId?: string;
  /** For selects, radio buttons, checkboxes: the chosen option value(s). */
  value?: SimpleValue;
  /** Other inputs of the modal as the person left them. */
  values?: Record<string, Record<string, SimpleValue>>;
}

/** A modal submitted with `values` (`{ [block_id]: { [action_id]: value } }`). */
export interface SubmitViewInput {
  userId: string;
  viewId: string;
  values?: Record<string, Record<string, SimpleValue>>;
}

const parseJson = (body: string): Json | undefined => {
  try {
    const v: unknown = JSON.parse(body);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
};

/** Plays Slack's side towards the app: builds the exact payloads, signs and POSTs them, applies the acks. */
export class AppClient {
  appUrl: string | undefined;
  /** Signed HTTP to `appUrl`, or envelopes over the app's Socket Mode connections. */
  transport: AppTransport = 'http';

  constructor(
    private readonly ctx: ApiContext,
    private readonly source: PayloadSource,
    private readonly signingSecret: string,
    private readonly responseUrls: ResponseUrls,
    private readonly socket: SocketModeServer,
  ) {}

  /** Whether the app is there to receive: its URL is known (HTTP), or it holds a Socket Mode connection. */
  connected(): boolean {
    return this.transport === 'socket' ? this.socket.connectionCount() > 0 : this.appUrl !== undefined;
  }

  /** Whether a person's act can be sent now; over Socket Mode an envelope waits a while for a connection. */
  reachable(): boolean {
    return this.transport === 'socket' || this.appUrl !== undefined;
  }

  /** POSTs a raw body to the app signed as configured (bad secrets and stale timestamps included). */
  signedRequest(body: string, options: SignedRequestOptions = {}): Promise<RawAppResponse> {
    if (this.appUrl === undefined) throw new Error('slack sim: no app URL; call setAppUrl() first');
    return postSigned(this.appUrl, body, this.signingSecret, options);
  }

  async slashCommand(input: SlashCommandInput): Promise<AppResponse> {
    const { directory, views, messages } = this.ctx;
    const user = directory.ensureUser(input.userId);
    const channel = directory.ensureChannel(input.channelId);
    const command = input.command ?? '/clone';
    const triggerId = views.newTrigger(user.id);
    const responseUrl = this.responseUrls.create({ user: user.id, channel: channel.id });
    const body = slashCommandForm(this.source, {
      user,
      channel,
      command,
      text: input.text,
      responseUrl,
      triggerId,
    });
    const response = await this.send(body);
    const slackbot = (error: string) =>
      messages.postEphemeral({
        channel: channel.id,
        user: user.id,
        text: `${command} failed with the error "${error}"`,
        source: 'slackbot',
      });
    if (response.status !== 200) {
      // Bolt answers 404 when the listener did not ack within 3 s; Slack then reports a timeout.
      slackbot(response.socket?.error ?? (response.status === 404 ? 'operation_timeout' : 'dispatch_failed'));
      return { ...response, triggerId };
    }
    // Slack shows a slash command's ack body: JSON as a message, plain text as ephemeral text.
    const ack = response.json ?? (response.body.trim() === '' ? undefined : { text: response.body });
    if (ack && (typeof ack.text === 'string' || Array.isArray(ack.blocks))) {
      const blocks = Array.isArray(ack.blocks) ? { blocks: ack.blocks as Json[] } : {};
      const text = typeof ack.text === 'string' ? ack.text : '';
      if (ack.response_type === 'in_channel') {
        messages.post({
          channel: channel.id,
          text,
          user: this.ctx.botUserId,
          botId: this.ctx.botId,
          ...blocks,
        });
      } else {
        const shown = messages.postEphemeral({
          channel: channel.id,
          user: user.id,
          text,
          source: 'ack',
          ...blocks,
        });
        this.responseUrls.attach(responseUrl, shown.ts);
      }
    }
    return { ...response, triggerId };
  }

  /** Clicks a button (or picks an option) in a message or a modal. */
  async blockAction(input: BlockActionInput): Promise<AppResponse> {
    const { directory, views, messages } = this.ctx;
    const user = directory.ensureUser(input.userId);
    let container: ActionContainer;
    let blocks: unknown;
    let responseUrl: string | undefined;
    if (input.viewId !== undefined) {
      const view = views.get(input.viewId);
      if (!view?.open || view.user !== user.id) throw new Error(`slack sim: no open view ${input.viewId}`);
      if (input.values) view.values = applyInput(view, input.values).values;
      blocks = view.view.blocks;
      container = { type: 'view', view: toSlackView(view, this.ctx) };
    } else {
      if (input.channelId === undefined || input.messageTs === undefined) {
        throw new Error('slack sim: a block action needs viewId, or channelId and messageTs');
      }
      const channel = directory.ensureChannel(input.channelId);
      const message = messages.get(channel.id, input.messageTs);
      const ephemeral = message ? undefined : messages.findEphemeral(user.id, input.messageTs);
      if (!message && !ephemeral)
        throw new Error(`slack sim: no message ${input.messageTs} in ${channel.id}`);
      blocks = message?.blocks ?? ephemeral?.blocks;
      const threadTs = message?.threadTs ?? ephemeral?.threadTs;
      container = {
        type: 'message',
        channel,
        messageTs: input.messageTs,
        ephemeral: !message,
        ...(message ? { message: toSlackMessage(message, this.ctx) } : {}),
        ...(threadTs !== undefined ? { threadTs } : {}),
      };
      responseUrl = this.responseUrls.create({
        user: user.id,
        channel: channel.id,
        messageTs: input.messageTs,
        ephemeral: !message,
        ...(threadTs !== undefined ? { threadTs } : {}),
      });
    }
    const found = findActionElement(blocks, input);
    if (!found) throw new Error(`slack sim: no element matching ${JSON.stringify(input)}`);
    const action = actionEntry(found, messages.nextTs(), input.value ?? null);
    const triggerId = views.newTrigger(user.id);
    const payload = blockActionsPayload(this.source, {
      user,
      container,
      action,
      triggerId,
      ...(responseUrl !== undefined ? { responseUrl } : {}),
    });
    return { ...(await this.send(payloadForm(payload))), triggerId };
  }

  async submitView(input: SubmitViewInput): Promise<AppResponse> {
    const { directory, views } = this.ctx;
    const user = directory.ensureUser(input.userId);
    const view = views.get(input.viewId);
    if (!view?.open || view.user !== user.id) throw new Error(`slack sim: no open view ${input.viewId}`);
    const { values, missing } = applyInput(view, input.values ?? {});
    view.values = values;
    // Slack's client refuses to submit with required fields empty; nothing reaches the app.
    if (Object.keys(missing).length > 0) return { status: 0, body: '', sent: false, errors: missing };
    const triggerId = views.newTrigger(user.id);
    const payload = viewSubmissionPayload(this.source, {
      user,
      view: toSlackView(view, this.ctx),
      triggerId,
    });
    const response = await this.send(payloadForm(payload));
    if (response.status !== 200) return { ...response, triggerId };
    const ack = response.json ?? {};
    const next = ack.view as Json | undefined;
    if (ack.response_action === 'errors') {
      return { ...response, triggerId, errors: (ack.errors ?? {}) as Record<string, string> };
    }
    if (ack.response_action === 'update' && next && checkView(next).length === 0) {
      views.update({ viewId: view.id }, next);
    } else if (ack.response_action === 'push' && next && checkView(next).length === 0) {
      views.push(user.id, next);
    } else {
      views.close(view.id, ack.response_action === 'clear');
    }
    return { ...response, triggerId };
  }

  /** Closes a modal as the person would (✕ or Cancel); the app hears of it only with notify_on_close. */
  async closeView(input: { userId: string; viewId: string }): Promise<AppResponse> {
    const view = this.ctx.views.get(input.viewId);
    if (!view?.open || view.user !== input.userId) throw new Error(`slack sim: no open view ${input.viewId}`);
    const closed = this.ctx.views.close(view.id);
    if (view.view.notify_on_close !== true) return { status: 0, body: '', sent: false };
    const user = this.ctx.directory.ensureUser(input.userId);
    const payload = viewClosedPayload(this.source, {
      user,
      view: toSlackView(view, this.ctx),
      isCleared: closed.length > 1,
    });
    return this.send(payloadForm(payload));
  }

  /** A person opens the app's Home tab (or Messages tab): Slack sends `app_home_opened` over the Events API. */
  async openAppHome(input: { userId: string; tab?: 'home' | 'messages' }): Promise<AppResponse> {
    const { directory, views, messages, botUserId } = this.ctx;
    const user = directory.ensureUser(input.userId);
    const home = views.forUser(user.id).find((v) => v.type === 'home');
    const event = appHomeOpenedEvent({
      user: user.id,
      channel: directory.imWith(user.id).id,
      tab: input.tab ?? 'home',
      eventTs: messages.nextTs(),
      ...(home ? { view: toSlackView(home, this.ctx) } : {}),
    });
    const eventTimeSec = Math.floor(this.ctx.clock.now() / 1000);
    const payload = eventCallback(this.source, { event, botUserId, eventTimeSec });
    return this.send(JSON.stringify(payload), 'application/json');
  }

  /** Sends a signed body; an unreachable app answers status 0 with the error as body. */
  private async send(body: string, contentType?: string): Promise<AppResponse> {
    if (this.transport === 'socket') return this.sendOverSocket(body, contentType);
    try {
      const raw = await this.signedRequest(body, contentType !== undefined ? { contentType } : {});
      const json = parseJson(raw.body);
      return { status: raw.status, body: raw.body, sent: true, ...(json ? { json } : {}) };
    } catch (error) {
      if (this.appUrl === undefined) throw error;
      return { status: 0, body: error instanceof Error ? error.message : String(error), sent: true };
    }
  }

  /**
   * The same request as an envelope: a slash command's form fields as a JSON object, an interactive
   * `payload` parsed, an Events API callback as is. The ack's payload plays the HTTP response body.
   */
  private async sendOverSocket(body: string, contentType?: string): Promise<AppResponse> {
    let type: EnvelopeType;
    let payload: Json;
    if (contentType === 'application/json') {
      type = 'events_api';
      payload = JSON.parse(body) as Json;
    } else {
      const form = new URLSearchParams(body);
      const interactive = form.get('payload');
      type = interactive !== null ? 'interactive' : 'slash_commands';
      payload = interactive !== null ? (JSON.parse(interactive) as Json) : Object.fromEntries(form);
    }
    const outcome = await this.socket.deliver(type, payload);
    if (!outcome.acked) return { status: 0, body: outcome.error ?? '', sent: true, socket: outcome };
    const json = outcome.payload ?? {};
    return { status: 200, body: JSON.stringify(json), json, sent: true, socket: outcome };
  }
}
