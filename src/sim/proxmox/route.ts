import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../clock.ts';
import type { Logger } from '../../logger.ts';
import type { Principal } from './sim-auth.ts';
import type { SimFaults } from './sim-faults.ts';
import type { SimState } from './sim-state.ts';
import type { StorageLocks } from './storage-locks.ts';
import type { PveVersion } from './types.ts';

/** Everything a route handler may use. */
export interface SimContext {
  state: SimState;
  faults: SimFaults;
  clock: Clock;
  locks: StorageLocks;
  copyBytesPerSecond: number;
  storageLockTimeoutMs: number;
  storageAllocMs: number;
  /** qmstart duration and the guest agent's start delay after it (simulated ms). */
  bootMs: number;
  agentStartMs: number;
  /** How long freeing one volume takes in a failed clone's cleanup (Ceph `rbd rm`, NFS: seconds). */
  volumeFreeMs: number;
  closing: AbortSignal;
  /** The release line played, and whether error bodies carry `message`. */
  pveVersion: PveVersion;
  errorBodyMessage: boolean;
  /** The node the API is reached on (`local: 1`). */
  apiNode?: string;
  logger?: Logger;
}

/** One request as a handler sees it: path captures (decoded), query and body parameters merged. */
export interface RouteRequest {
  req: IncomingMessage;
  res: ServerResponse;
  path: Record<string, string>;
  params: Record<string, string>;
  principal: Principal;
}

/** A handler's answer: data (+ top-level extras such as `total`), or HANDLED when it answered itself. */
export type RouteResult = { data: unknown; extra?: Record<string, unknown> } | typeof HANDLED;

/** Returned by a handler that has already answered (or deliberately dropped) the request. */
export const HANDLED = Symbol('handled');

/** A method + path pattern (`/nodes/{node}/qemu/{vmid}/config`) and its handler. */
export interface Route {
  method: string;
  pattern: string;
  handle(ctx: SimContext, r: RouteRequest): RouteResult | Promise<RouteResult>;
}

/** Matches a path against a pattern; returns the decoded captures or undefined. */
export function matchPattern(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const captures: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const g = got[i] as string;
    if (w.startsWith('{')) {
      if (g === '') return undefined;
      try {
        captures[w.slice(1, -1)] = decodeURIComponent(g);
      } catch {
        return undefined;
      }
    } else if (w !== g) return undefined;
  }
  return captures;
}
