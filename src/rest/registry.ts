import type { DomainCtx } from '../context.js';
import type { Caller } from '../caller.js';
import type { RestError } from './errors.js';

export type { AuthType, Caller } from '../caller.js';

export interface MethodCall {
  /** canonical (lower-case) method name */
  method: string;
  params: Record<string, unknown>;
  /** `start` removed from the params and intval-ed; -1 means "no total count" */
  start: number;
  caller: Caller;
  ctx: DomainCtx;
  registry: MethodRegistry;
  /** runs another method through the whole pipeline with this call's credentials (`batch` commands) */
  subcall?: (method: string, params: Record<string, unknown>) => Promise<SubcallResult>;
}

/** One method's answer as a batch command sees it: the envelope's parts, `time` block included. */
export interface SubcallResult {
  result: unknown;
  next: number | null;
  total: number | null;
  time: Record<string, unknown>;
}

export type MethodHandler = (call: MethodCall) => unknown;

export interface MethodSpec {
  name: string;
  /** REST scope code, or `_global` for methods every credential may call */
  scope: string;
  /** further scopes that also grant the method (`user_brief` for `user.current`, ...) */
  altScopes?: readonly string[];
  /**
   * run inside one write transaction (everything a write method does commits or nothing does);
   * a function decides per call from the parameters (false: the call only reads, outside any
   * transaction, as a method without `write` does). It must not throw: when in doubt, true.
   */
  write?: boolean | ((params: Record<string, unknown>) => boolean);
  /** allowed inside `batch` (default true) */
  batch?: boolean;
  /** what the method answers when the store fails under it (default: 500 INTERNAL_SERVER_ERROR) */
  onStoreFailure?: () => RestError;
  /** takes bodies up to the upload limit (File.upload's Base64), for callers authenticated before the body */
  largeBody?: boolean;
  /** a REST 3.0 method: called under /rest/api/ only, JSON parameters, v3 errors (src/rest/v3.ts) */
  v3?: boolean;
  handler: MethodHandler;
}

/** A list page: `result` is the items, `next`/`total` go to the envelope's top level. */
export class Paged {
  constructor(
    readonly items: unknown,
    readonly total: number | null,
    readonly next: number | null,
  ) {}

  /** Standard REST paging over a full count: 50 per page, `next` only when more remain. */
  static of(items: unknown[], offset: number, total: number | null): Paged {
    if (total === null) return new Paged(items, 0, null);
    const end = offset + items.length;
    return new Paged(items, total, end < total ? end : null);
  }
}

export class MethodRegistry {
  private readonly methods = new Map<string, MethodSpec>();

  add(...specs: MethodSpec[]): void {
    for (const spec of specs) {
      const key = spec.name.toLowerCase();
      if (this.methods.has(key)) throw new Error(`method ${spec.name} registered twice`);
      this.methods.set(key, { ...spec, name: key });
    }
  }

  get(name: string): MethodSpec | undefined {
    return this.methods.get(name.toLowerCase());
  }

  all(): MethodSpec[] {
    return [...this.methods.values()];
  }
}
