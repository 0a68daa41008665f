import { createHash } from 'node:crypto';
import { paramError } from './api-error.ts';
import type { Route, RouteResult, SimContext } from './route.ts';

/** The token may see a storage in the listings with Datastore.Audit or Datastore.AllocateSpace on it. */
function visible(ctx: SimContext, storage: string): boolean {
  const path = `/storage/${storage}`;
  return (
    !ctx.faults.isDenied(path, 'Datastore.Audit') || !ctx.faults.isDenied(path, 'Datastore.AllocateSpace')
  );
}

/**
 * GET /nodes/{node}/storage as pve-storage `PVE::API2::Storage::Status` index and `PVE::Storage::storage_info`
 * answer it: EVERY storage of storage.cfg, `enabled: 0` (and `active: 0`, sizes 0) for one that is disabled or
 * limited to other nodes (`storage_check_enabled`); `content=` lists only enabled ones with that content;
 * `enabled=1` leaves out the disabled ones (a storage of other nodes stays, with `enabled: 0`).
 */
export function nodeStorageList(ctx: SimContext, node: string, params: Record<string, string>): RouteResult {
  if (params.enabled !== undefined && params.enabled !== '0' && params.enabled !== '1')
    throw paramError({ enabled: `type check ('boolean') failed - got '${params.enabled}'` });
  if (params.storage !== undefined && !ctx.state.storages.has(params.storage))
    throw paramError({ storage: 'No such storage.' });
  const out: Record<string, unknown>[] = [];
  for (const s of ctx.state.storages.values()) {
    if (!visible(ctx, s.storage)) continue;
    if (params.storage !== undefined && params.storage !== s.storage) continue;
    if (params.enabled === '1' && s.enabled === false) continue;
    const on = ctx.state.storageOn(s.storage, node) !== undefined;
    if (
      params.content !== undefined &&
      (!on || !params.content.split(',').some((c) => s.content.includes(c)))
    )
      continue;
    const row: Record<string, unknown> = {
      storage: s.storage,
      type: s.type,
      content: s.content.join(','),
      enabled: on ? 1 : 0,
      active: on ? 1 : 0,
      shared: s.shared ? 1 : 0,
      total: 0,
      used: 0,
      avail: 0,
    };
    if (on) {
      const used = [...ctx.state.volumesOf(s.storage, node).values()].reduce((a, b) => a + b, 0);
      Object.assign(row, {
        total: s.total,
        used,
        avail: s.total - used,
        used_fraction: s.total === 0 ? 0 : used / s.total,
      });
    }
    out.push(row);
  }
  return { data: out };
}

/** GET /storage: storage.cfg entries (pve-storage `PVE::API2::Storage::Config` index), `nodes` and `disable` as stored. */
export const storageRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/storage',
    handle: (ctx, { params }) => {
      const out: Record<string, unknown>[] = [];
      // Every entry carries the digest of the whole storage.cfg.
      const digest = createHash('sha1')
        .update(JSON.stringify([...ctx.state.storages.values()]))
        .digest('hex');
      for (const s of ctx.state.storages.values()) {
        if (!visible(ctx, s.storage)) continue;
        if (params.type !== undefined && params.type !== s.type) continue;
        const entry: Record<string, unknown> = {
          storage: s.storage,
          type: s.type,
          content: s.content.join(','),
        };
        if (s.shared) entry.shared = 1;
        if (s.nodes !== undefined) entry.nodes = s.nodes.join(',');
        if (s.enabled === false) entry.disable = 1;
        entry.digest = digest;
        out.push(entry);
      }
      return { data: out };
    },
  },
];
