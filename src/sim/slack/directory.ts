import type { Emit } from './sim-events.ts';
import type { SimChannel, SimUser } from './types.ts';

/** The sandbox's two people: one asks for clones, one approves them. */
export const DEMO_USERS: SimUser[] = [
  { id: 'U0REQUESTER', name: 'riley', realName: 'Riley (requester)' },
  { id: 'U0APPROVER', name: 'alex', realName: 'Alex (approver)' },
];

/** The sandbox's channel. */
export const DEMO_CHANNEL: SimChannel = { id: 'C0CLONES', name: 'vm-requests' };

/** The approvers' user group. */
export const DEMO_USERGROUPS: Record<string, string[]> = { S0APPROVERS: ['U0APPROVER'] };

/** Users, channels and user groups of the fake workspace. */
export class Directory {
  private readonly users = new Map<string, SimUser>();
  private readonly channels = new Map<string, SimChannel>();
  private readonly groups = new Map<string, string[]>();

  constructor(
    private readonly initial: {
      users: SimUser[];
      channels: SimChannel[];
      usergroups: Record<string, string[]>;
    },
    private readonly emit: Emit,
  ) {
    this.reset();
  }

  reset(): void {
    this.users.clear();
    this.channels.clear();
    this.groups.clear();
    for (const user of this.initial.users) this.users.set(user.id, { ...user });
    for (const channel of this.initial.channels) this.channels.set(channel.id, { ...channel });
    for (const [id, members] of Object.entries(this.initial.usergroups)) this.groups.set(id, [...members]);
  }

  user(id: string): SimUser | undefined {
    return this.users.get(id);
  }

  allUsers(): SimUser[] {
    return [...this.users.values()];
  }

  /** Adds (or replaces) a user; Slack only sends requests from members, so the app side adds unknown ones. */
  addUser(user: SimUser): SimUser {
    this.users.set(user.id, user);
    this.emit({ kind: 'user', user });
    return user;
  }

  /** Makes sure a user exists, naming an unknown one after its id. */
  ensureUser(id: string): SimUser {
    return this.users.get(id) ?? this.addUser({ id, name: id.toLowerCase(), realName: id });
  }

  channel(id: string): SimChannel | undefined {
    return this.channels.get(id);
  }

  allChannels(): SimChannel[] {
    return [...this.channels.values()];
  }

  addChannel(channel: SimChannel): SimChannel {
    this.channels.set(channel.id, channel);
    this.emit({ kind: 'channel', channel });
    return channel;
  }

  ensureChannel(id: string): SimChannel {
    return this.channels.get(id) ?? this.addChannel({ id, name: id.toLowerCase() });
  }

  /** The bot's DM with a user (conversations.open, or chat.postMessage to a U… id). */
  imWith(userId: string): SimChannel {
    const id = `D${userId.replace(/^[UW]/, '')}`;
    return this.channels.get(id) ?? this.addChannel({ id, name: userId, isIm: true, user: userId });
  }

  usergroup(id: string): string[] | undefined {
    return this.groups.get(id);
  }

  setUsergroup(id: string, members: string[]): void {
    this.groups.set(id, [...members]);
  }
}
