import { performance } from 'node:perf_hooks';
import { authenticate, type Credentials } from '../auth/authenticate.js';
import type { Clock } from '../clock.js';
import type { DomainCtx, PortalInfo, Profile } from '../context.js';
import type { Store } from '../store/db.js';
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
export async function callMethod(core: RestCore, input: CallInput): Promise<CallOutput> {
  const spec = core.registry.get(input.method);
  if (!spec) throw SystemErrors.methodNotFound();
  const base: DomainCtx = { db: core.store.db, clock: core.clock, portal: core.portal, profile: core.profile, cache: core.store.cache };
  const caller = await authenticate(base, input.credentials, spec);
  const gate = core.limits ? await core.limits.enter(spec.name, caller) : null;
  const subcall = subcallOf(core, input.credentials);

  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input.params)) if (!SERVICE_PARAMS.includes(k)) params[k] = v;
  const start = input.params.start === undefined ? 0 : intval(input.params.start);

  if (core.faults.take(spec.name, 'internal_error')) throw new Error(`scripted internal error in ${spec.name}`);
  const t0 = performance.now();
  let value: unknown;
  try {
    if (spec.write) {
      const fail = core.faults.take(spec.name, 'store_failure');
      try {
        value = await core.store.db.transaction().execute(async (trx) => {
          const db = fail ? trx.withPlugin(new FailWritesPlugin(spec.name)) : trx;
          return spec.handler({ method: spec.name, params, start, caller, ctx: { ...base, db }, registry: core.registry, subcall });
        });
      } finally {
        core.store.settle(); // nothing cached from inside the transaction outlives it
      }
    } else {
      value = await spec.handler({ method: spec.name, params, start, caller, ctx: base, registry: core.registry, subcall });
    }
  } catch (err) {
    if (err instanceof StoreFailure) throw spec.onStoreFailure?.() ?? SystemErrors.internal();
    throw err;
  }
  const processing = (performance.now() - t0) / 1000;
  const operating = gate ? await core.limits!.leave(gate, processing) : undefined;
  if (value instanceof Paged) return { result: value.items, next: value.next, total: value.total, processing, operating };
  return { result: value, next: null, total: null, processing, operating };
}

/** A call made by a method (a `batch` command): the whole pipeline with the same credentials, timed. */
function subcallOf(core: RestCore, credentials: Credentials) {
  return async (method: string, params: Record<string, unknown>): Promise<SubcallResult> => {
    const startMs = core.clock.now();
    const t0 = performance.now();
    const out = await callMethod(core, { method, params, credentials });
    const time = timeBlock(startMs, startMs + (performance.now() - t0), out.processing, out.operating ?? idleOperating(startMs));
    return { result: out.result, next: out.next, total: out.total, time };
  };
}

export { RestError };
