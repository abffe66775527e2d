import type { Clock } from '../clock.js';
import type { Encoded } from './encoded.js';
import { maskDeep } from './mask.js';
import type { Caller } from './registry.js';

/** One REST call as the request log keeps it (secrets masked, big values cut). */
export interface RequestEntry {
  id: number;
  /** portal clock, ms */
  time: number;
  /** the server process that answered (`--node-id`, default host:pid) */
  node: string;
  /** `http`/`https` for a request, `batch` for a command of a batch (see parent_id) */
  transport: 'http' | 'https' | 'batch';
  /** the batch call a command belongs to */
  parent_id: number | null;
  method: string;
  /** `webhook:<id>`, `app:<client_id>`, `session:<user id>`, or null when authentication failed */
  caller: string | null;
  /** the user the call acted as */
  user_id: number | null;
  params: unknown;
  status: number;
  /** the error code (`error` of the answer), null on success */
  error: string | null;
  error_description: string | null;
  /** the `result` of a successful call; null when it was larger than MAX_RESULT (see result_bytes) */
  result: unknown;
  result_bytes: number;
  duration_ms: number;
}

export interface RequestFilter {
  /** method name, case-insensitive; a trailing `*` matches a prefix (`imbot.v2.*`) */
  method?: string;
  status?: number;
  /** error code; `*` = any failed call */
  error?: string;
  /** `webhook:ID`, `app:CLIENT_ID`, `session:USER` or `user:ID` (any caller acting as that user) */
  caller?: string;
  /** portal time in ms: entries at or after it */
  since?: number;
  /** entries with a larger id (what `requests --follow` polls with) */
  after?: number;
  limit?: number;
}

export interface RequestLogOptions {
  /** entries kept at most (oldest dropped first) */
  maxEntries: number;
  /** entries older than this (portal clock) are dropped */
  maxAgeMs: number;
  node: string;
}

export const DEFAULT_REQUEST_LOG = { maxEntries: 1000, maxAgeMs: 3600_000 };

/** A result whose JSON is longer than this is recorded by its size only. */
const MAX_RESULT = 16 * 1024;

export function callerKey(caller: Caller | undefined): string | null {
  if (!caller) return null;
  if (caller.webhookId !== null) return `webhook:${caller.webhookId}`;
  if (caller.clientId !== null) return `app:${caller.clientId}`;
  return `session:${caller.userId}`;
}

export interface CallRecord {
  transport: RequestEntry['transport'];
  parentId?: number | null;
  /** a batch's commands, recorded right after it */
  commands?: CallRecord[];
  method: string;
  caller?: Caller;
  params: Record<string, unknown>;
  status: number;
  error?: { error: string; error_description: string };
  result?: unknown;
  /** the result with its encodings kept (rest/encoded.ts): its size and masked copy are taken from it */
  encoded?: Encoded;
  durationMs: number;
}

type Listener = (e: RequestEntry) => void;

/**
 * The in-memory log of REST calls of this process, newest last. Bounded twice: by count and by
 * age (portal clock), so a long-running server holds at most `maxEntries` entries, each with at
 * most ~16 K characters of parameters (maskDeep bounds breadth, depth and text) and a result of at
 * most 16 KB. Ids follow the order entries are added in (a batch first,
 * then its commands), so `after` never skips one.
 */
export class RequestLog {
  /** the log, oldest first, from `head` on (the slots before it were dropped) */
  private entries: (RequestEntry | undefined)[] = [];
  private head = 0;
  private nextId = 1;
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly clock: Clock,
    readonly options: RequestLogOptions,
  ) {}

  onEntry(fn: Listener): void {
    this.listeners.add(fn);
  }

  add(r: CallRecord): RequestEntry {
    const id = this.nextId++;
    let result: unknown = null;
    let bytes = 0;
    if (r.encoded && !r.error) {
      bytes = r.encoded.plainBytes;
      result = bytes <= MAX_RESULT ? r.encoded.masked : null;
    } else if (r.result !== undefined && !r.error) {
      const json = JSON.stringify(r.result) ?? 'null';
      bytes = Buffer.byteLength(json);
      result = bytes <= MAX_RESULT ? maskDeep(r.result) : null;
    }
    const entry: RequestEntry = {
      id,
      time: this.clock.now(),
      node: this.options.node,
      transport: r.transport,
      parent_id: r.parentId ?? null,
      method: r.method,
      caller: callerKey(r.caller),
      user_id: r.caller?.userId ?? null,
      params: maskDeep(r.params),
      status: r.status,
      error: r.error?.error ?? null,
      error_description: r.error?.error_description ?? null,
      result,
      result_bytes: bytes,
      duration_ms: Math.round(r.durationMs * 1000) / 1000,
    };
    this.entries.push(entry);
    this.prune();
    for (const fn of this.listeners) fn(entry);
    for (const c of r.commands ?? []) this.add({ ...c, parentId: id });
    return entry;
  }

  clear(): void {
    this.entries = [];
    this.head = 0;
  }

  /**
   * Drops what is over the count or the age. A full log drops one entry per call: the slot is
   * emptied and `head` moves on, and the array is copied only once half of it is empty slots (a
   * copy of the whole log per call was most of the garbage a small call left behind).
   */
  private prune(): void {
    const oldest = this.clock.now() - this.options.maxAgeMs;
    const live = this.entries.length - this.head;
    let drop = Math.max(0, live - this.options.maxEntries);
    while (drop < live && this.entries[this.head + drop]!.time < oldest) drop++;
    if (drop === 0) return;
    for (let i = this.head; i < this.head + drop; i++) this.entries[i] = undefined;
    this.head += drop;
    if (this.head === this.entries.length) this.clear();
    else if (this.head >= 1024 && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** Matching entries, newest first. */
  list(f: RequestFilter = {}): RequestEntry[] {
    this.prune();
    const method = f.method?.toLowerCase();
    const prefix = method?.endsWith('*') ? method.slice(0, -1) : null;
    const user = f.caller?.startsWith('user:') ? Number(f.caller.slice(5)) : null;
    const limit = f.limit ?? 100;
    const out: RequestEntry[] = [];
    for (let i = this.entries.length - 1; i >= this.head && out.length < limit; i--) {
      const e = this.entries[i]!;
      if (f.after !== undefined && e.id <= f.after) continue;
      if (f.since !== undefined && e.time < f.since) continue;
      if (method !== undefined && (prefix !== null ? !e.method.toLowerCase().startsWith(prefix) : e.method.toLowerCase() !== method)) continue;
      if (f.status !== undefined && e.status !== f.status) continue;
      if (f.error !== undefined && (f.error === '*' ? e.error === null : e.error !== f.error)) continue;
      if (f.caller !== undefined && (user !== null ? e.user_id !== user : e.caller !== f.caller)) continue;
      out.push(e);
    }
    return out;
  }
}
