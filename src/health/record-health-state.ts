import type { Redis } from 'ioredis';
import { type HealthChange, type HealthState, healthChanges, healthState } from '../core/health-changes.ts';
import type { HealthReport } from '../core/health-types.ts';
import { healthKeys } from './health-keys.ts';

// Compare-and-store in one step, so two overlapping checks cannot both announce a change: a check older than
// the stored one changes nothing; units of nodes this check could not see are carried over (unknown is not
// healthy). Returns the previous state and what was stored.
const RECORD = `
local cur = cjson.decode(ARGV[1])
local raw = redis.call('GET', KEYS[1])
if raw then
  local prev = cjson.decode(raw)
  if tonumber(prev.checkedAt) >= tonumber(cur.checkedAt) then return {'stale', raw, raw} end
  local unknown = {}
  for _, n in ipairs(cur.unknownNodes) do unknown[n] = true end
  for key, unit in pairs(prev.units) do
    if cur.units[key] == nil and unknown[unit.node] then cur.units[key] = unit end
  end
end
local out = cjson.encode(cur)
redis.call('SET', KEYS[1], out)
return {'stored', raw or '', out}
`;

/** Parses a stored state; Lua's cjson turns empty lists into `{}`, so lists are read leniently. */
function parseState(raw: string): HealthState | undefined {
  if (raw === '') return undefined;
  const v = JSON.parse(raw) as Partial<HealthState>;
  const list = (x: unknown): string[] => (Array.isArray(x) ? x.map(String) : []);
  const units: HealthState['units'] = {};
  for (const [k, u] of Object.entries(v.units ?? {})) {
    units[k] = {
      node: String(u.node),
      ids: list(u.ids),
      ...(u.vmid !== undefined ? { vmid: Number(u.vmid) } : {}),
    };
  }
  return { checkedAt: Number(v.checkedAt ?? 0), units, unknownNodes: list(v.unknownNodes) };
}

/**
 * Records a report's problem ids as the last check's and returns what changed since the previous one,
 * atomically: of two overlapping checks only the first to store sees a change; an out-of-date one sees none.
 */
export async function recordHealthState(
  redis: Redis,
  report: HealthReport,
  prefix?: string,
): Promise<{ changes: HealthChange[]; first: boolean; stale: boolean }> {
  const cur = healthState(report);
  const [result, prevRaw, storedRaw] = (await redis.eval(
    RECORD,
    1,
    healthKeys(prefix).lastState,
    JSON.stringify(cur),
  )) as [string, string, string];
  if (result === 'stale') return { changes: [], first: false, stale: true };
  const prev = parseState(prevRaw);
  const stored = parseState(storedRaw) ?? cur;
  return { changes: healthChanges(prev, stored, report), first: prev === undefined, stale: false };
}
