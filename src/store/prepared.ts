import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import { isPostgres, type Db } from './db.js';
import type { Schema } from './schema.js';

/**
 * A read query built and compiled once per engine, then run with new arguments: for the hot
 * lookups (auth, bot by id or code), where building and compiling a Kysely query on every call
 * costs more than running it. SQLite then also reuses its prepared statement (same SQL text).
 *
 * `build` receives placeholder values in place of the arguments; each must appear in the query
 * as a bound value exactly where the argument goes (`where('id', '=', id)`). Only reads: writes
 * must pass through Kysely's plugins (read-cache versions, scripted faults), which run when a
 * query is compiled.
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
  const compiled: { sqlite?: Template<R>; postgres?: Template<R> } = {};
  const template = (db: Db): Template<R> => {
    const engine = isPostgres(db) ? 'postgres' : 'sqlite';
    let t = compiled[engine];
    if (!t) {
      const slots = Array.from({ length: arity }, (_, i) => new Slot(i)) as unknown as A;
      const query = build(db as Kysely<Schema>, ...slots).compile();
      t = { query, positions: query.parameters.map((p) => (p instanceof Slot ? p.index : -1)) };
      if (t.positions.filter((i) => i >= 0).length !== arity) throw new Error(`a prepared read must bind each of its ${arity} arguments once`);
      compiled[engine] = t;
    }
    return t;
  };
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
