import type { Clock } from '../../clock.ts';
import type { Emit } from './sim-events.ts';
import type { Json, SimEphemeral, SimMessage } from './types.ts';

/** Fields of a new message. */
export interface NewMessage {
  channel: string;
  text: string;
  blocks?: Json[];
  user: string;
  botId?: string;
  threadTs?: string;
  metadata?: Json;
}

/** Messages, thread replies and ephemerals of the fake workspace, with Slack's `<sec>.<6 digits>` ts. */
export class MessageStore {
  private readonly byChannel = new Map<string, Map<string, SimMessage>>();
  private ephemeralList: SimEphemeral[] = [];
  private lastMicros = 0;

  constructor(
    private readonly clock: Clock,
    private readonly emit: Emit,
  ) {}

  /** A ts strictly greater than every earlier one, from the clock's time. */
  nextTs(): string {
    this.lastMicros = Math.max(Math.floor(this.clock.now()) * 1000, this.lastMicros + 1);
    const sec = Math.floor(this.lastMicros / 1_000_000);
    return `${sec}.${String(this.lastMicros % 1_000_000).padStart(6, '0')}`;
  }

  post(fields: NewMessage): SimMessage {
    const message: SimMessage = { ...fields, ts: this.nextTs(), replyCount: 0, updates: 0 };
    let channel = this.byChannel.get(fields.channel);
    if (!channel) {
      channel = new Map();
      this.byChannel.set(fields.channel, channel);
    }
    channel.set(message.ts, message);
    this.emit({ kind: 'message', message });
    if (fields.threadTs !== undefined) {
      const parent = channel.get(fields.threadTs);
      if (parent) {
        parent.replyCount += 1;
        this.emit({ kind: 'message', message: parent });
      }
    }
    return message;
  }

  get(channel: string, ts: string): SimMessage | undefined {
    return this.byChannel.get(channel)?.get(ts);
  }

  /** Applies chat.update: a field left undefined keeps its old value, as Slack does for `blocks`. */
  update(
    message: SimMessage,
    change: { text?: string; blocks?: Json[]; metadata?: Json },
    editor: string,
  ): SimMessage {
    if (change.text !== undefined) message.text = change.text;
    if (change.blocks !== undefined) {
      if (change.blocks.length === 0) delete message.blocks;
      else message.blocks = change.blocks;
    }
    if (change.metadata !== undefined) message.metadata = change.metadata;
    message.edited = { user: editor, ts: this.nextTs() };
    message.updates += 1;
    this.emit({ kind: 'message', message });
    return message;
  }

  delete(channel: string, ts: string): boolean {
    const messages = this.byChannel.get(channel);
    const message = messages?.get(ts);
    if (!messages || !message) return false;
    messages.delete(ts);
    this.emit({ kind: 'message_deleted', channel, ts });
    const parent = message.threadTs === undefined ? undefined : messages.get(message.threadTs);
    if (parent) {
      parent.replyCount = Math.max(0, parent.replyCount - 1);
      this.emit({ kind: 'message', message: parent });
    }
    return true;
  }

  /** Top-level messages of a channel (thread replies excluded), oldest first. */
  messages(channel: string): SimMessage[] {
    return this.all(channel).filter((m) => m.threadTs === undefined || m.threadTs === m.ts);
  }

  /** The replies in a thread (without its parent), oldest first. */
  thread(channel: string, ts: string): SimMessage[] {
    return this.all(channel).filter((m) => m.threadTs === ts && m.ts !== ts);
  }

  /** Every message of every channel, oldest first. */
  everything(): SimMessage[] {
    return [...this.byChannel.keys()].flatMap((c) => this.all(c)).sort((a, b) => compareTs(a.ts, b.ts));
  }

  postEphemeral(fields: Omit<SimEphemeral, 'ts'>): SimEphemeral {
    const ephemeral: SimEphemeral = { ...fields, ts: this.nextTs() };
    this.ephemeralList.push(ephemeral);
    this.emit({ kind: 'ephemeral', ephemeral });
    return ephemeral;
  }

  findEphemeral(user: string, ts: string): SimEphemeral | undefined {
    return this.ephemeralList.find((e) => e.user === user && e.ts === ts);
  }

  /** Replaces an ephemeral's content; `source` then says where the new content came from. */
  replaceEphemeral(
    ephemeral: SimEphemeral,
    change: { text: string; blocks?: Json[]; source?: SimEphemeral['source'] },
  ): void {
    ephemeral.text = change.text;
    if (change.source !== undefined) ephemeral.source = change.source;
    if (change.blocks === undefined) delete ephemeral.blocks;
    else ephemeral.blocks = change.blocks;
    this.emit({ kind: 'ephemeral', ephemeral });
  }

  deleteEphemeral(user: string, ts: string): void {
    this.ephemeralList = this.ephemeralList.filter((e) => !(e.user === user && e.ts === ts));
    this.emit({ kind: 'ephemeral_deleted', user, ts });
  }

  /** Ephemerals shown to one user (every user when undefined), oldest first. */
  ephemerals(user?: string): SimEphemeral[] {
    return this.ephemeralList.filter((e) => user === undefined || e.user === user);
  }

  reset(): void {
    this.byChannel.clear();
    this.ephemeralList = [];
  }

  private all(channel: string): SimMessage[] {
    return [...(this.byChannel.get(channel)?.values() ?? [])].sort((a, b) => compareTs(a.ts, b.ts));
  }
}

/** Orders Slack timestamps numerically (string order fails once the seconds gain a digit). */
export function compareTs(a: string, b: string): number {
  const [as = '0', au = '0'] = a.split('.');
  const [bs = '0', bu = '0'] = b.split('.');
  return Number(as) - Number(bs) || Number(au) - Number(bu);
}
