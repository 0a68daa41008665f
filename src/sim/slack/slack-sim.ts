import type { BlockActionInput, SlashCommandInput, SubmitViewInput } from './app-client.ts';
import type { RawAppResponse, SignedRequestOptions } from './sign-request.ts';
import type { DisconnectReason, EnvelopeType } from './socket-mode-server.ts';
import type {
  ApiCall,
  AppResponse,
  AppTransport,
  Json,
  ResponseUrlPost,
  SimChannel,
  SimEphemeral,
  SimMessage,
  SimUser,
  SimView,
  SlackFault,
} from './types.ts';

/** A running fake Slack: Web API, response_urls, the app-facing side and the sandbox page, on one port. */
export interface SlackSim {
  /** Base URL, e.g. http://127.0.0.1:PORT (the sandbox page is served here). */
  readonly url: string;
  /** `${url}/api/`: what the bot gets as SLACK_API_URL. */
  readonly apiUrl: string;
  readonly signingSecret: string;
  /** A bot token the fake accepts (the configured one, or a sample `xoxb-` token). */
  readonly botToken: string;
  /** An app-level token that opens Socket Mode connections (the configured one, or a sample `xapp-`). */
  readonly appToken: string;
  /** How slash commands, clicks, submissions and events reach the app now. */
  readonly transport: AppTransport;
  /** Switches between signed HTTP requests and Socket Mode envelopes. */
  setTransport(transport: AppTransport): void;
  /** The Socket Mode side: connections, envelopes sent, and the faults Slack's side can cause. */
  readonly socketMode: SocketModeControl;
  readonly teamId: string;
  readonly appId: string;
  readonly botUserId: string;
  readonly botId: string;

  /** Where the app receives slash commands and interactivity, e.g. http://127.0.0.1:3000/slack/events. */
  setAppUrl(url: string): void;

  /** Web API calls so far (of one method when given), oldest first. */
  calls(method?: string): ApiCall[];
  /** The first call of `method` (made or to come) that `predicate` accepts; rejects after `timeoutMs` (5 s). */
  waitForCall(method: string, predicate?: (call: ApiCall) => boolean, timeoutMs?: number): Promise<ApiCall>;
  /** `probe()`'s first truthy result, probed now and after every change; rejects after `timeoutMs`. */
  waitUntil<T>(probe: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;

  /** Top-level messages of a channel, oldest first. */
  messages(channel: string): SimMessage[];
  /** One message (top-level or reply). */
  message(channel: string, ts: string): SimMessage | undefined;
  /** Replies in a thread, without the parent, oldest first. */
  thread(channel: string, ts: string): SimMessage[];
  /** Ephemerals one user saw, oldest first. */
  ephemerals(user: string): SimEphemeral[];
  /** A user's open views (modals in stack order, then the Home tab); `includeClosed` adds closed ones. */
  views(user: string, includeClosed?: boolean): SimView[];
  /** Posts received at response_urls, oldest first. */
  responses(): ResponseUrlPost[];

  /** The next `times` (1) calls of `method` meet `fault`; with `match`, only calls whose arguments it accepts. */
  injectFault(method: string, fault: SlackFault, times?: number, match?: (args: Json) => boolean): void;
  /** Faults queued for `method` not yet met by a call (0: a delayed call has arrived and is being held). */
  pendingFaults(method: string): number;
  /** Slack's real per-minute limit for `method` (Clock time), e.g. ('chat.update', 50); undefined turns it off. */
  setRateLimit(method: string, perMinute: number | undefined): void;

  addUser(user: SimUser): void;
  addChannel(channel: SimChannel): void;
  setUsergroup(id: string, members: string[]): void;
  /** Forgets messages, views, calls, faults and response_urls; users and channels return to the initial ones. */
  reset(): void;

  /** A person types a slash command (default `/clone`); its ack shows as an ephemeral, as in Slack. */
  slashCommand(input: SlashCommandInput): Promise<AppResponse>;
  /** A person clicks a button, picked by actionId (and blockId) or by buttonText. */
  clickButton(input: BlockActionInput): Promise<AppResponse>;
  /** A person picks an option (`value`) in a select or radio group that dispatches actions. */
  selectOption(input: BlockActionInput & { value: string | string[] }): Promise<AppResponse>;
  /** A person submits a modal; a `response_action: 'errors'` ack comes back as `errors`. */
  submitView(input: SubmitViewInput): Promise<AppResponse>;
  /**
   * A person opens the app's Home tab (default) or Messages tab: a signed `event_callback` with
   * `app_home_opened`; what the app publishes shows in `views(userId)` as the `home` view.
   */
  openAppHome(userId: string, tab?: 'home' | 'messages'): Promise<AppResponse>;
  /** A person closes a modal. */
  closeView(input: { userId: string; viewId: string }): Promise<AppResponse>;
  /** POSTs any body to the app, signed (or mis-signed) as the options say. */
  signedRequest(body: string, options?: SignedRequestOptions): Promise<RawAppResponse>;

  close(): Promise<void>;
}

/** Socket Mode as the tests steer it. */
export interface SocketModeControl {
  /** Open connections (the app's client keeps one; more when it reconnects before the old one closes). */
  connections(): number;
  /** Connections opened so far. */
  opened(): number;
  /** Every envelope sent, redeliveries included, oldest first. */
  envelopes(): { envelopeId: string; type: EnvelopeType; retryAttempt: number; connection: string }[];
  /** Sends `disconnect` with this reason to every connection. */
  disconnect(reason: DisconnectReason): void;
  /** Drops every connection with no close frame (a network failure). */
  drop(): void;
  /** Revokes an app token: `apps.connections.open` answers `invalid_auth`, its connections close. */
  revoke(token: string): void;
  /** The next `n` (1) acks are lost with their connection: the app did the work, Slack redelivers. */
  loseNextAcks(n?: number): void;
  /** The next `n` (1) envelopes reach the app, then their connection drops before it can ack. */
  dropAfterNextDeliveries(n?: number): void;
}
