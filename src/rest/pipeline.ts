import { performance } from 'node:perf_hooks';
import type { ControlledTransaction, Transaction } from 'kysely';
import { authenticate, type Credentials } from '../auth/authenticate.js';
import type { ChangeSink } from '../changes.js';
import { PendingChanges } from '../changes.js';
import type { Clock } from '../clock.js';
import type { DomainCtx, PortalInfo, Profile } from '../context.js';
import type { FileSpace } from '../files/store.js';
import type { Store } from '../store/db.js';
import type { Schema } from '../store/schema.js';
import { RestError, SystemErrors } from './errors.js';
import { FailWritesPlugin, FaultPlan, StoreFailure } from './faults.js';
import { intval } from './php.js';
import { Paged, type MethodRegistry, type SubcallResult } from './registry.js';
import { idleOperating, type Limits, type OperatingInfo } from '../limits/index.js';
import { timeBlock } from './time.js';

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
  /** where committed chat changes go (the web push channel); absent = nobody listens */
  changes?: ChangeSink;
}

export interface CallInput {
  method: string;
  params: Record<string, unknown>;
  credentials: Credentials;
}

export interface CallOutput {
  result: unknown;
  next: number | null;
  total: number | null;
  /** seconds spent inside the method itself (the `time.processing` value) */
  processing: number;
  /** the operating-time limiter's numbers when it counted this call */
  operating?: OperatingInfo;
}

/** Parameters the core consumes itself and never passes to a method (rest-core.md a.3). */
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
  const base: DomainCtx = { db: group?.db ?? core.store.db, clock: core.clock, portal: core.portal, profile: core.profile, cache: core.store.cache, files: core.files, changes };
  const caller = await authenticate(base, input.credentials, spec);
  const gate = core.limits ? await core.limits.enter(spec.name, caller) : null;
  const subcall = subcallOf(core, input.credentials, group ?? commands!);

  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input.params)) if (!SERVICE_PARAMS.includes(k)) params[k] = v;
  const start = input.params.start === undefined ? 0 : intval(input.params.start);

  if (core.faults.take(spec.name, 'internal_error')) throw new Error(`scripted internal error in ${spec.name}`);
  const t0 = performance.now();
  let value: unknown;
  try {
    if (spec.write) {
      const fail = core.faults.take(spec.name, 'store_failure');
      const run = async (trx: Transaction<Schema>): Promise<unknown> => {
        const db = fail ? trx.withPlugin(new FailWritesPlugin(spec.name, fail.after)) : trx;
        return spec.handler({ method: spec.name, params, start, caller, ctx: { ...base, db }, registry: core.registry, subcall });
      };
      if (group) value = await group.inSavepoint(run);
      else {
        try {
          value = await core.store.db.transaction().execute(run);
        } finally {
          core.store.settle(); // nothing cached from inside the transaction outlives it
        }
      }
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
  if (value instanceof Paged) return { result: value.items, next: value.next, total: value.total, processing, operating };
  return { result: value, next: null, total: null, processing, operating };
}

/** A call made by a method (a `batch` command): the whole pipeline with the same credentials, timed. */
function subcallOf(core: RestCore, credentials: Credentials, group: CommandGroup) {
  return async (method: string, params: Record<string, unknown>): Promise<SubcallResult> => {
    const startMs = core.clock.now();
    const t0 = performance.now();
    const out = await callMethod(core, { method, params, credentials }, group);
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
 * separate calls would. Once the transaction is open, every later command (reads included)
 * runs on it: it holds the store's only connection.
 */
export class CommandGroup {
  private trx: ControlledTransaction<Schema> | null = null;
  private savepoints = 0;
  /** chat changes reported by the commands, published once the transaction commits */
  readonly changes = new PendingChanges();

  constructor(private readonly store: Store, private readonly publisher?: ChangeSink) {}

  /** What the next command reads through: the open transaction, if any. */
  get db(): Store['db'] | Transaction<Schema> {
    return this.trx ?? this.store.db;
  }

  async inSavepoint<T>(fn: (trx: Transaction<Schema>) => Promise<T>): Promise<T> {
    this.trx ??= await this.store.db.startTransaction().execute();
    const name = `command${++this.savepoints}`;
    const trx = await this.trx.savepoint(name).execute();
    const mark = this.changes.mark();
    let value: T;
    try {
      value = await fn(trx);
    } catch (err) {
      this.changes.rollbackTo(mark);
      await trx.rollbackToSavepoint(name).execute();
      await trx.releaseSavepoint(name).execute();
      this.store.settle(); // nothing cached from inside the rolled-back command outlives it
      throw err;
    }
    await trx.releaseSavepoint(name).execute();
    return value;
  }

  /** Commits (or, when the call itself failed, rolls back) the shared transaction. */
  async end(ok: boolean): Promise<void> {
    const trx = this.trx;
    this.trx = null;
    if (trx) {
      try {
        await (ok ? trx.commit() : trx.rollback()).execute();
      } catch (err) {
        this.changes.rollbackTo(0);
        throw err;
      } finally {
        this.store.settle();
      }
    }
    if (!ok) this.changes.rollbackTo(0);
    this.changes.flush(this.publisher);
  }
}
