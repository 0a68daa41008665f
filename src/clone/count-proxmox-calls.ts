import type { ProxmoxClient } from '../proxmox/types.ts';

/** Proxmox API calls made through a counted client, by method, for benchmarks and metrics. */
export interface ProxmoxCallCounts {
  byMethod: Record<string, number>;
  total: number;
}

/** A counted ProxmoxClient and the live counts of the calls made through it. */
export interface CountedProxmoxClient {
  client: ProxmoxClient;
  counts(): ProxmoxCallCounts;
  reset(): void;
}

/**
 * Wraps a ProxmoxClient so every call is counted (one adapter call = one API request, not counting the
 * adapter's own GET retries). The benchmark uses it to measure calls per clone with many concurrent clones.
 */
export function countProxmoxCalls(inner: ProxmoxClient): CountedProxmoxClient {
  let byMethod: Record<string, number> = {};
  const client = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => {
        byMethod[prop] = (byMethod[prop] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    client,
    counts: () => ({
      byMethod: { ...byMethod },
      total: Object.values(byMethod).reduce((a, b) => a + b, 0),
    }),
    reset: () => {
      byMethod = {};
    },
  };
}
