/** One request the simulator answered (status 0 = connection dropped without an answer). */
export interface LoggedRequest {
  method: string;
  /** Path below /api2/json, without the query string. */
  path: string;
  query: string;
  status: number;
  /** Simulated time the request arrived. */
  at: number;
}

/** Every request the simulator saw, so tests can assert "exactly one clone POST". */
export class RequestLog {
  readonly entries: LoggedRequest[] = [];

  add(entry: LoggedRequest): void {
    this.entries.push(entry);
  }

  /** Requests with this method whose path matches (a string matches exactly, a RegExp by test). */
  filter(method: string, path: string | RegExp): LoggedRequest[] {
    return this.entries.filter(
      (e) =>
        e.method === method.toUpperCase() && (typeof path === 'string' ? e.path === path : path.test(e.path)),
    );
  }

  /** How many requests matched. */
  count(method: string, path: string | RegExp): number {
    return this.filter(method, path).length;
  }

  /** Count per `METHOD path`. */
  countsByPath(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const e of this.entries) {
      const key = `${e.method} ${e.path}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  clear(): void {
    this.entries.length = 0;
  }
}
