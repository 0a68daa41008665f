import type { Clock } from '../../clock.ts';
import type { Logger } from '../../logger.ts';
import type { EnvelopeOutcome, SocketModeTiming } from './socket-mode-server.ts';

/** Untyped JSON object as it arrives on the wire; the sim validates it instead of trusting a type. */
export type Json = Record<string, unknown>;

/** A workspace member as users.info returns it (the fields the bot reads). */
export interface SimUser {
  id: string;
  name: string;
  realName: string;
  isBot?: boolean;
  tz?: string;
}

/** A conversation: public channel (C…) or a DM with the bot (D…). */
export interface SimChannel {
  id: string;
  name: string;
  isIm?: boolean;
  /** The other member of a DM. */
  user?: string;
}

/** A message in a channel or a thread, as stored by the fake. */
export interface SimMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: Json[];
  /** The author: the bot's user id or a person's. */
  user: string;
  botId?: string;
  threadTs?: string;
  /** Replies in this message's thread (top-level messages only). */
  replyCount: number;
  edited?: { user: string; ts: string };
  /** How many times chat.update changed it. */
  updates: number;
  metadata?: Json;
}

/** A message only one user sees: chat.postEphemeral, a slash command's ack, or a response_url post. */
export interface SimEphemeral {
  channel: string;
  user: string;
  ts: string;
  text: string;
  blocks?: Json[];
  threadTs?: string;
  /** Where its current content came from (an ack replaced through the response_url says 'response_url'). */
  source: 'chat.postEphemeral' | 'ack' | 'response_url' | 'slackbot';
}

/** A modal (or a Home tab) opened for one user. */
export interface SimView {
  id: string;
  user: string;
  hash: string;
  type: 'modal' | 'home';
  rootViewId: string;
  previousViewId?: string;
  /** The view as the app sent it (title, blocks, callback_id, private_metadata, …). */
  view: Json;
  /** Input state, Slack's shape: `{ [block_id]: { [action_id]: { type, value | selected_option … } } }`. */
  values: Record<string, Record<string, Json>>;
  open: boolean;
}

/** One Web API call as the fake saw it. */
export interface ApiCall {
  method: string;
  args: Json;
  /** Clock time of the call (ms). */
  at: number;
  status: number;
  result: Json;
}

/** A JSON post to a response_url. */
export interface ResponseUrlPost {
  id: string;
  body: Json;
  at: number;
  status: number;
}

/** What to do to the next calls of one method. */
export type SlackFault =
  | { type: 'ratelimited'; retryAfterSeconds?: number }
  | { type: 'error'; error: string; extra?: Json }
  | { type: 'http'; status: number }
  | { type: 'latency'; ms: number };

/** The app's answer to a request the fake sent it. */
export interface AppResponse {
  status: number;
  body: string;
  /** The body parsed, when it was JSON. */
  json?: Json;
  /** Field errors: from a `response_action: 'errors'` ack, or required inputs left empty (then `sent` is false). */
  errors?: Record<string, string>;
  /** False when the fake (as Slack's client would) refused to send, e.g. a required field is empty. */
  sent: boolean;
  /** The trigger_id sent with the request, when there was one. */
  triggerId?: string;
  /** Over Socket Mode: the envelope's fate (attempts, ack or why none). */
  socket?: EnvelopeOutcome;
}

/** How the fake reaches the app: signed HTTP POSTs to its request URL, or envelopes over Socket Mode. */
export type AppTransport = 'http' | 'socket';

/** Options of startSlackSim; every field has a sandbox-friendly default. */
export interface SlackSimOptions {
  port?: number;
  host?: string;
  signingSecret?: string;
  /** When set, only this exact bot token is accepted; otherwise any `xoxb-…`. */
  botToken?: string;
  clock?: Clock;
  teamId?: string;
  teamDomain?: string;
  appId?: string;
  botUserId?: string;
  botId?: string;
  users?: SimUser[];
  /** User group id (S…) → member user ids. */
  usergroups?: Record<string, string[]>;
  channels?: SimChannel[];
  /** Where the app listens, e.g. http://127.0.0.1:3000/slack/events. */
  appUrl?: string;
  /** How slash commands, clicks and events reach the app (default `http`). */
  transport?: AppTransport;
  /** When set, only this app-level token opens Socket Mode connections; otherwise any `xapp-…`. */
  appToken?: string;
  /** Socket Mode timing (real ms): ack deadline, redeliveries, pings. */
  socketTiming?: Partial<SocketModeTiming>;
  logger?: Logger;
}

export type { Clock };
