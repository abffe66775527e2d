/**
 * Counts of the coordination work a server process does: SQL statements it sends, change
 * notifications it receives from PostgreSQL (and which of them it acts on), messages it sends and
 * receives on the cluster bus, Redis commands, read-cache hits and misses. Numbers, not time, so
 * `npm run bench:cluster` can show what one call costs each node on a shared, noisy machine
 * (`GET /__control/counters`, behind the control token).
 *
 * Process-wide: two servers in one process (some tests) share them. Counting is an increment of a
 * map entry; nothing is kept per call.
 */
export class WorkCounters {
  private readonly values = new Map<string, number>();

  add(name: string, n = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + n);
  }

  /** Every counter so far, by name (sorted), as a plain object. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}

export const workCounters = new WorkCounters();
