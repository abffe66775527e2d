import type { Compilable, CompiledQuery, DialectAdapter, Kysely, OperationNodeSource, QueryId, RootOperationNode } from 'kysely';
import { isPostgres, type Db } from './db.js';
import { VersioningPlugin } from './read-cache.js';
import type { Schema } from './schema.js';

/** A synchronous statement of an embedded engine (better-sqlite3's, reduced to what is used here). */
export interface DirectStatement {
  readonly reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): unknown;
}

/**
 * Stores whose transactions run on one synchronous connection (SQLite) say here how to prepare a
 * statement on it, keyed by their Kysely instance's adapter (every transaction and `withPlugin`
 * view of one instance shares it). `preparedWrite` then runs its statement on that connection
 * itself when nothing but the read cache's versioning would see it (see there).
 */
const directConnections = new WeakMap<DialectAdapter, (sql: string) => DirectStatement>();

export function registerDirectConnection(db: Kysely<Schema>, prepare: (sql: string) => DirectStatement): void {
  directConnections.set(db.getExecutor().adapter, prepare);
}

/**
 * A read query built and compiled once per engine, then run with new arguments: for the hot
 * lookups (auth, bot by id or code), where building and compiling a Kysely query on every call
 * costs more than running it. SQLite then also reuses its prepared statement (same SQL text).
 *
 * `build` receives placeholder values in place of the arguments; each must appear in the query
 * as a bound value exactly where the argument goes (`where('id', '=', id)`). Only reads: writes
 * must pass through Kysely's plugins (read-cache versions, scripted faults), which run when a
 * query is compiled; `preparedWrite` runs them on every call.
 */
export interface PreparedRead<A extends unknown[], R> {
  all(db: Db, ...args: A): Promise<R[]>;
  first(db: Db, ...args: A): Promise<R | undefined>;
}

/** A placeholder for argument `index`: an object no real argument can be. */
class Slot {
  constructor(readonly index: number) {}
}

export function preparedRead<A extends unknown[], R>(arity: A['length'], build: (db: Kysely<Schema>, ...args: A) => Compilable<R>): PreparedRead<A, R> {
  const template = perEngine((db): Template<R> => {
    const slots = Array.from({ length: arity }, (_, i) => new Slot(i)) as unknown as A;
    const query = build(db as Kysely<Schema>, ...slots).compile();
    return { query, positions: positionsOf(query, arity) };
  });
  const run = async (db: Db, args: A): Promise<R[]> => {
    const t = template(db);
    const parameters = t.positions.map((i, at) => (i < 0 ? t.query.parameters[at] : args[i]));
    const res = await db.executeQuery<R>({ ...t.query, parameters });
    return res.rows;
  };
  return {
    all: (db, ...args) => run(db, args),
    first: async (db, ...args) => (await run(db, args))[0],
  };
}

interface Template<R> {
  query: CompiledQuery<R>;
  /** per bound parameter: the argument it takes, or -1 for a constant of the query */
  positions: number[];
}

/**
 * A write statement built and compiled once per engine, like `preparedRead`, for the statements
 * every message runs (issue 18). Kysely's plugins (the read cache's table versions, a scripted
 * store failure) still see every execution: the statement's operation node, built without them,
 * goes through the executor's plugins on each call (`transformQuery`, then `transformResult` as
 * for any query); a plugin that changes the node gets it compiled afresh. The versioning plugin
 * only looks, so a call normally runs the SQL compiled once, with the same text every time
 * (SQLite reuses its prepared statement). On SQLite inside a transaction, when the versioning
 * plugin is the only one, the executor is skipped altogether (`runDirect` below).
 */
export function preparedWrite<A extends unknown[], R>(arity: A['length'], build: (db: Kysely<Schema>, ...args: A) => Compilable<R> & OperationNodeSource): PreparedRead<A, R> {
  const template = perEngine((db): WriteTemplate<R> => {
    const slots = Array.from({ length: arity }, (_, i) => new Slot(i)) as unknown as A;
    const builder = build(db.withoutPlugins() as Kysely<Schema>, ...slots);
    const query = builder.compile();
    return { node: builder.toOperationNode() as RootOperationNode, query, positions: positionsOf(query, arity) };
  });
  let sequence = 0;
  const run = async (db: Db, args: A): Promise<R[]> => {
    const t = template(db);
    const executor = db.getExecutor();
    const direct = db.isTransaction ? directConnections.get(executor.adapter) : undefined;
    if (direct && onlyVersioning(executor.plugins)) return runDirect(direct, executor.plugins as readonly VersioningPlugin[], t, args, `prepared-write-${++sequence}`);
    const queryId: QueryId = { queryId: `prepared-write-${++sequence}` };
    const node = executor.transformQuery(t.node, queryId);
    // a plugin that rewrites the statement (a scripted failure's) gets it compiled as it left it
    const query = node === t.node ? t.query : executor.compileQuery<R>(node, queryId);
    const positions = node === t.node ? t.positions : positionsOf(query, arity);
    const parameters = positions.map((i, at) => (i < 0 ? query.parameters[at] : args[i]));
    const res = await executor.executeQuery<R>({ ...query, parameters, queryId });
    return res.rows;
  };
  return {
    all: (db, ...args) => run(db, args),
    first: async (db, ...args) => (await run(db, args))[0],
  };
}

/**
 * The direct path of `preparedWrite` (issue 18): inside a transaction of a store that registered
 * its connection (SQLite), with no plugin but the versioning one, the statement runs on the
 * connection's prepared statement without Kysely's executor (its connection provider, the
 * result's trip through the plugins: several promises and objects per statement). The
 * transaction already holds the one connection, so nothing else can run on it meanwhile. The
 * versioning plugin sees the statement as it would through the executor: before it runs
 * (`transformQuery`) and once it has run (`settled`, what its `transformResult` does). Any other
 * plugin (a scripted store failure's) sends the statement the ordinary way.
 */
function onlyVersioning(plugins: readonly unknown[]): boolean {
  for (const p of plugins) if (!(p instanceof VersioningPlugin)) return false;
  return true;
}

async function runDirect<R>(prepare: (sql: string) => DirectStatement, plugins: readonly VersioningPlugin[], t: WriteTemplate<R>, args: unknown[], id: string): Promise<R[]> {
  const queryId: QueryId = { queryId: id };
  for (const p of plugins) p.transformQuery({ node: t.node, queryId });
  const parameters = t.positions.map((i, at) => (i < 0 ? t.query.parameters[at] : args[i]));
  try {
    const stmt = prepare(t.query.sql);
    if (stmt.reader) return stmt.all(parameters) as R[];
    stmt.run(parameters);
    return [];
  } finally {
    for (const p of plugins) p.settled(queryId);
  }
}

/**
 * Runs a statement without parameters or rows (a savepoint's) on the connection directly, as
 * `preparedWrite` does its statement, and says whether it could; when not (no registered
 * connection, not a transaction, another plugin) the caller runs it through Kysely.
 */
export function runDirectly(db: Db, text: string): boolean {
  const direct = db.isTransaction ? directConnections.get(db.getExecutor().adapter) : undefined;
  if (!direct || !onlyVersioning(db.getExecutor().plugins)) return false;
  direct(text).run();
  return true;
}

/** What `make` gives for the engine of `db`, made on first use, once per engine. */
function perEngine<T>(make: (db: Db) => T): (db: Db) => T {
  const made: { sqlite?: T; postgres?: T } = {};
  return (db) => (made[isPostgres(db) ? 'postgres' : 'sqlite'] ??= make(db));
}

/** Per bound parameter of a query built with `Slot`s: the argument it takes, or -1 for a constant. */
function positionsOf(query: CompiledQuery, arity: number): number[] {
  const positions = query.parameters.map((p) => (p instanceof Slot ? p.index : -1));
  if (positions.filter((i) => i >= 0).length !== arity) throw new Error(`a prepared statement must bind each of its ${arity} arguments once`);
  return positions;
}

interface WriteTemplate<R> extends Template<R> {
  /** the statement before any plugin saw it */
  node: RootOperationNode;
}
