import type { SimChannel, SimEphemeral, SimMessage, SimUser, SimView } from './types.ts';

/** A change in the fake workspace; the sandbox page receives each one over Server-Sent Events. */
export type SimEvent =
  | { kind: 'message'; message: SimMessage }
  | { kind: 'message_deleted'; channel: string; ts: string }
  | { kind: 'ephemeral'; ephemeral: SimEphemeral }
  | { kind: 'ephemeral_deleted'; user: string; ts: string }
  | { kind: 'view'; view: SimView }
  | { kind: 'channel'; channel: SimChannel }
  | { kind: 'user'; user: SimUser }
  | { kind: 'app'; connected: boolean }
  | { kind: 'reset' };

/** Receives every change. */
export type Emit = (event: SimEvent) => void;
