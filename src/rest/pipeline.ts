import { performance } from 'node:perf_hooks';
import type { Transaction } from 'kysely';
import { authenticate, type Credentials } from '../auth/authenticate.js';
import type { ChangeSink } from '../changes.js';
import { PendingChanges } from '../changes.js';
import type { Clock } from '../clock.js';
import type { DomainCtx, PortalInfo, Profile } from '../context.js';
import type { FileSpace } from '../files/store.js';
import type { Store } from '../store/db.js';
import type { HandlerNet } from '../util/addresses.js';
import type { Schema } from '../store/schema.js';
import type { CacheLookup } from '../store/read-cache.js';
import type { OpenUnit, Unit } from '../store/unit.js';
import { RestError, SystemErrors } from './errors.js';
import { FailWritesPlugin, StoreFailure } from './faults.js';
import { FaultPlan } from '../harness/faults.js';
import { Encoded } from './encoded.js';
import { intval } from './php.js';
import { Paged, type Caller, type MethodRegistry, type MethodSpec, type SubcallResult } from './registry.js';
import { idleOperating, type Limits, type OperatingInfo } from '../limits/index.js';
import { timeBlock } from './time.js';
import type { CallRecord, RequestLog } from './request-log.js';
import type { CallGate } from './quiesce.js';
import { eventPublisher } from '../events/publisher.js';

/** Everything a call needs, independent of HTTP. */
export interface RestCore {
  registry: MethodRegistry;
  store: Store;
  clock: Clock;
  portal: PortalInfo;
  profile: Profile;
  faults: FaultPlan;
  /** rate and operating-time limits (src/limits); absent = none */
  limits?: Limits;
  /** chat file storage (src/files); absent = uploads fail with the folder error */
  files?: FileSpace;
  /** handler-host resolution and `--allow-private` (src/util/addresses.ts) */
  handlerNet?: HandlerNet;
  /** the request log (every call and batch command); absent = nothing recorded */
  requests?: RequestLog;
  /** holds requests while the harness resets or restores the portal */
  gate?: CallGate;
  /** where committed chat changes go (the web push channel); absent = nobody listens */
  changes?: ChangeSink;
}

/** What a call leaves for the request log: who called, and the commands it ran (a batch). */
export interface CallTrace {
  caller?: Caller;
  commands: CallRecord[];
}

export interface CallInput {
  method: string;
  params: Record<string, unknown>;
  credentials: Credentials;
  /** filled in as the call runs, when the request log is on */
  trace?: CallTrace;
  /** an already known caller: the transport checked credentials no parameter can change, or the harness seeds the portal as someone */
  caller?: Caller;
  /**
   * the call's view of the read cache when the transport made it before the body (callCache):
   * the credential check and the method then share one catch-up with other processes' commits
   */
  cache?: CacheLookup;
}

export interface CallOutput {
  result: unknown;
  next: number | null;
  total: number | null;
  /** seconds spent inside the method itself (the `time.processing` value) */
  processing: number;
  /** the operating-time limiter's numbers when it counted this call */
  operating?: OperatingInfo;
  /** `result` with its encodings kept (rest/encoded.ts), when the method returned one */
  encoded?: Encoded;
}

/** Parameters the core consumes itself and never passes to a method (settings/how-to-call-rest-api/general-principles.md; the portal's behaviour; the page is silent). */
const SERVICE_PARAMS = ['start', 'state', 'auth', 'access_token', 'auth_connector', 'aplogin', 'ap'];

/**
 * One REST call: method lookup (unknown → 404 before any auth check), authentication, then the
 * method. A write method runs in one transaction: all of it commits, or none of it does.
 */
export async function callMethod(core: RestCore, input: CallInput, group?: CommandGroup): Promise<CallOutput> {
  const spec = core.registry.get(input.method);
  if (!spec) throw SystemErrors.methodNotFound();
  // The commands this call makes (a batch's) share one transaction, committed before it answers.
  const commands = group ? null : new CommandGroup(core.store, core.changes);
  const changes = (group ?? commands!).changes;
  const base = domainCtx(core, group?.db ?? core.store.db, changes, input.cache);
  const caller = input.caller ?? (await authenticate(base, input.credentials, spec));
  if (input.trace) input.trace.caller = caller;
  const gate = core.limits ? await core.limits.enter(spec.name, caller) : null;
  const subcall = subcallOf(core, input.credentials, group ?? commands!, input.trace);

  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input.params)) if (!SERVICE_PARAMS.includes(k)) params[k] = v;
  const start = input.params.start === undefined ? 0 : intval(input.params.start);

  await scriptedFaults(core.faults, spec.name);
  const t0 = performance.now();
  let value: unknown;
  try {
    // a scripted store failure is taken by every call of a write method (it fails the call's first
    // write, as it always did); a method whose writing depends on its parameters then writes
    const fail = spec.write ? core.faults.take(spec.name, 'store_failure') : undefined;
    if (spec.write === true || (spec.write && (fail || spec.write(params)))) {
      const run = async (trx: Transaction<Schema>, unit: Unit): Promise<unknown> => {
        const db = fail ? trx.withPlugin(new FailWritesPlugin(spec.name, fail.after)) : trx;
        const ctx: DomainCtx = { ...base, db, afterCommit: (fn) => unit.afterCommit(fn) };
        return spec.handler({ method: spec.name, params, start, caller, ctx, registry: core.registry, subcall });
      };
      // One unit of work: the read cache lets go of what it wrote when it ends, and the outbox
      // wake-up rings after the commit (store/unit.ts).
      value = group ? await group.inSavepoint(run) : await core.store.transaction(run);
    } else {
      value = await spec.handler({ method: spec.name, params, start, caller, ctx: base, registry: core.registry, subcall });
    }
    await commands?.end(true);
  } catch (err) {
    await commands?.end(false);
    if (err instanceof StoreFailure) throw spec.onStoreFailure?.() ?? SystemErrors.internal();
    throw err;
  }
  const processing = (performance.now() - t0) / 1000;
  const operating = gate ? await core.limits!.leave(gate, processing) : undefined;
  if (value instanceof Encoded) return { result: value.value, encoded: value, next: null, total: null, processing, operating };
  if (value instanceof Paged) return { result: value.items, next: value.next, total: value.total, processing, operating };
  return { result: value, next: null, total: null, processing, operating };
}

/** The scripted faults that hit a call before its method runs (src/harness/faults.ts). */
async function scriptedFaults(faults: FaultPlan, method: string): Promise<void> {
  const slow = faults.take(method, 'latency');
  if (slow) await new Promise((r) => setTimeout(r, slow.ms));
  const answer = faults.take(method, 'error')?.error;
  if (answer) throw new RestError(answer.code, answer.description, answer.status);
  if (faults.take(method, 'internal_error')) throw new Error(`scripted internal error in ${method}`);
}

function domainCtx(core: RestCore, db: DomainCtx['db'], changes?: ChangeSink, cache: CacheLookup = core.store.cache.forCall()): DomainCtx {
  return { db, clock: core.clock, portal: core.portal, profile: core.profile, events: eventPublisher, cache, files: core.files, handlerNet: core.handlerNet, changes };
}

/**
 * One REST call's view of the read cache, made when the request arrives: on PostgreSQL its first
 * lookup waits for one round trip that catches up with other processes' commits (read-cache.ts,
 * `forCall`). Hand the same one to authenticateFor and callMethod (CallInput.cache), so a call
 * whose credentials are checked before its body makes that trip once, not twice.
 */
export function callCache(core: RestCore): CacheLookup {
  return core.store.cache.forCall();
}

/** Authenticates credentials for a method outside a call (the transport's check before a body). */
export function authenticateFor(core: RestCore, spec: MethodSpec, credentials: Credentials, cache?: CacheLookup): Promise<Caller> {
  return authenticate(domainCtx(core, core.store.db, undefined, cache), credentials, spec);
}

/** A call made by a method (a `batch` command): the whole pipeline with the same credentials, timed. */
function subcallOf(core: RestCore, credentials: Credentials, group: CommandGroup, parent?: CallTrace) {
  return async (method: string, params: Record<string, unknown>): Promise<SubcallResult> => {
    const startMs = core.clock.now();
    const t0 = performance.now();
    const trace: CallTrace | undefined = parent ? { commands: [] } : undefined;
    let out: CallOutput;
    try {
      out = await callMethod(core, { method, params, credentials, trace }, group);
    } catch (err) {
      const e = err instanceof RestError ? err : SystemErrors.internal();
      const body = e.body() as { error: string; error_description: string };
      parent?.commands.push({ transport: 'batch', method, caller: trace?.caller, params, status: e.status, error: body, durationMs: performance.now() - t0 });
      throw err;
    }
    parent?.commands.push({ transport: 'batch', method, caller: trace?.caller, params, status: 200, result: out.result, durationMs: performance.now() - t0 });
    const time = timeBlock(startMs, startMs + (performance.now() - t0), out.processing, out.operating ?? idleOperating(startMs));
    return { result: out.result, next: out.next, total: out.total, time };
  };
}

export { RestError };

/**
 * The commands of one call (a `batch`) share one transaction: the first write command opens it,
 * and it commits when the call ends, before the call is answered — one commit instead of one per
 * command, which is most of what a small write costs. Each write command runs in its own
 * savepoint, so a failing command changes nothing and leaves the others' work in place, as
 * separate calls would. Once the transaction is open, every later command (reads and
 * authentication included) runs on it, so it sees the batch's own uncommitted writes: with a
 * pool of connections a read on another connection would not, and on SQLite's single
 * connection it would wait for the transaction it is part of.
 */
export class CommandGroup {
  private open: OpenUnit | null = null;
  private savepoints = 0;
  /** chat changes reported by the commands, published once the transaction commits */
  readonly changes = new PendingChanges();

  constructor(private readonly store: Store, private readonly publisher?: ChangeSink) {}

  /** What the next command reads through: the open transaction, if any. */
  get db(): Store['db'] | Transaction<Schema> {
    return this.open?.trx ?? this.store.db;
  }

  async inSavepoint<T>(fn: (trx: Transaction<Schema>, unit: Unit) => Promise<T>): Promise<T> {
    this.open ??= await this.store.begin();
    const open = this.open;
    const mark = this.changes.mark();
    try {
      return await open.savepoint(`command${++this.savepoints}`, (trx) => fn(trx, open.unit));
    } catch (err) {
      this.changes.rollbackTo(mark);
      throw err;
    }
  }

  /** Commits (or, when the call itself failed, rolls back) the shared transaction. */
  async end(ok: boolean): Promise<void> {
    const open = this.open;
    this.open = null;
    if (open) {
      try {
        await open.end(ok);
      } catch (err) {
        this.changes.rollbackTo(0);
        throw err;
      }
    }
    if (!ok) this.changes.rollbackTo(0);
    this.changes.flush(this.publisher);
  }
}
