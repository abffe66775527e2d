/**
 * Where the limiters keep their counters. The in-memory backend serves one process; a shared
 * backend (Redis, for several server processes behind one address) implements the same three
 * operations atomically per key. All times are portal-clock milliseconds passed in by the caller,
 * so a backend never reads a clock of its own.
 */
export interface LimitsBackend {
  /**
   * Leaky bucket: leak `drainPerSec` per second since the last call, then add one request unless
   * the level would exceed `burst`. Returns whether the request is admitted.
   */
  admit(key: string, nowMs: number, burst: number, drainPerSec: number): Promise<boolean>;
  /** Operating time recorded for the key in its live buckets (expired ones are dropped). */
  usage(key: string, nowMs: number): Promise<OperatingUsage>;
  /** Adds `seconds` to the key's bucket for the current minute and returns the new usage. */
  record(key: string, nowMs: number, seconds: number): Promise<OperatingUsage>;
  /** Forgets every counter. */
  reset(): Promise<void>;
}

export interface OperatingUsage {
  /** summed seconds of the live buckets */
  seconds: number;
  /** when the oldest live bucket expires (ms), or null when nothing is recorded */
  resetAtMs: number | null;
}

/** 10 one-minute buckets; each lives 600 s from the first call recorded in it. */
export const BUCKET_MS = 60_000;
export const BUCKET_TTL_MS = 600_000;

interface Bucket {
  minute: number;
  firstAtMs: number;
  seconds: number;
}

export class MemoryBackend implements LimitsBackend {
  private readonly levels = new Map<string, { level: number; atMs: number }>();
  private readonly buckets = new Map<string, Bucket[]>();

  async admit(key: string, nowMs: number, burst: number, drainPerSec: number): Promise<boolean> {
    const state = this.levels.get(key);
    const leaked = state ? Math.max(0, state.level - (Math.max(0, nowMs - state.atMs) / 1000) * drainPerSec) : 0;
    const admitted = leaked + 1 <= burst;
    this.levels.set(key, { level: admitted ? leaked + 1 : leaked, atMs: nowMs });
    return admitted;
  }

  async usage(key: string, nowMs: number): Promise<OperatingUsage> {
    return summarize(this.live(key, nowMs));
  }

  async record(key: string, nowMs: number, seconds: number): Promise<OperatingUsage> {
    const live = this.live(key, nowMs);
    const minute = Math.floor(nowMs / BUCKET_MS);
    let bucket = live.find((b) => b.minute === minute);
    if (!bucket) {
      bucket = { minute, firstAtMs: nowMs, seconds: 0 };
      live.push(bucket);
    }
    bucket.seconds += seconds;
    this.buckets.set(key, live);
    return summarize(live);
  }

  async reset(): Promise<void> {
    this.levels.clear();
    this.buckets.clear();
  }

  /** The key's buckets still alive at `nowMs` (the expired ones are dropped for good). */
  private live(key: string, nowMs: number): Bucket[] {
    const all = this.buckets.get(key);
    if (!all) return [];
    if (all.every((b) => b.firstAtMs + BUCKET_TTL_MS > nowMs)) return all;
    const live = all.filter((b) => b.firstAtMs + BUCKET_TTL_MS > nowMs);
    if (live.length === 0) this.buckets.delete(key);
    else if (live.length !== all.length) this.buckets.set(key, live);
    return live;
  }
}

function summarize(live: Bucket[]): OperatingUsage {
  let seconds = 0;
  let oldest: number | null = null;
  for (const b of live) {
    seconds += b.seconds;
    if (oldest === null || b.firstAtMs < oldest) oldest = b.firstAtMs;
  }
  return { seconds, resetAtMs: oldest === null ? null : oldest + BUCKET_TTL_MS };
}
