import { sql, type Kysely, type Transaction } from 'kysely';
import type { Dialect } from './db.js';
import type { Schema } from './schema.js';

/*
 * The whole portal's tables at once, for reset, snapshots and restore (src/harness/portal-state.ts)
 * and for the seed's fixed ids: the one store concern that spans every aggregate.
 */

/**
 * A logical copy of every table of the store (through Kysely, so the same code serves SQLite and
 * PostgreSQL): column names once per table, rows as arrays. `migrations` names the schema it was
 * taken from; a dump is only loaded into the same schema.
 */
export interface TablesDump {
  migrations: string[];
  tables: Record<string, { columns: string[]; rows: unknown[][] }>;
}

type AnyDb = Kysely<any> | Transaction<any>;

export interface TableInfo {
  name: string;
  columns: string[];
  serialId: boolean;
}

/**
 * PostgreSQL: the tables of the current schema only, read from the catalogue directly. Kysely's
 * introspector walks every schema of the database, and fails when another portal sharing the
 * database (a schema each, as the PostgreSQL test half runs them) drops its schema meanwhile.
 */
async function postgresTablesOf(db: Kysely<Schema>): Promise<TableInfo[]> {
  const { rows } = await sql<{ table_name: string; column_name: string; serial: boolean }>`
    select c.table_name, c.column_name,
           (c.is_identity = 'YES' or coalesce(c.column_default, '') like 'nextval(%') as serial
      from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
     where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
       and c.table_name not in ('kysely_migration', 'kysely_migration_lock')
     order by c.table_name, c.ordinal_position`.execute(db);
  const byName = new Map<string, TableInfo>();
  for (const r of rows) {
    let t = byName.get(r.table_name);
    if (!t) byName.set(r.table_name, (t = { name: r.table_name, columns: [], serialId: false }));
    t.columns.push(r.column_name);
    if (r.column_name === 'id' && r.serial) t.serialId = true;
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Every table but Kysely's own, with its columns, sorted by name. */
export async function tablesOf(db: Kysely<Schema>, dialect: Dialect): Promise<TableInfo[]> {
  if (dialect === 'postgres') return postgresTablesOf(db);
  const tables = await db.introspection.getTables();
  return tables
    .filter((t) => !t.isView)
    .map((t) => ({ name: t.name, columns: t.columns.map((c) => c.name), serialId: t.columns.some((c) => c.name === 'id' && c.isAutoIncrementing) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
async function migrationsOf(db: AnyDb): Promise<string[]> {
  const rows = await db.selectFrom('kysely_migration').select('name').orderBy('name').execute();
  return rows.map((r: { name: string }) => r.name);
}

/**
 * A dump is written as JSON: binary columns (file_chunks.bytes) travel as `{ "base64": "…" }`
 * and come back as bytes; every other value is a JSON scalar already.
 */
function toDumpValue(v: unknown): unknown {
  if (v instanceof Uint8Array) return { base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  return v ?? null;
}

function fromDumpValue(v: unknown): unknown {
  if (v && typeof v === 'object' && typeof (v as { base64?: unknown }).base64 === 'string') return Buffer.from((v as { base64: string }).base64, 'base64');
  return v;
}

/** Reads every table inside one transaction: a consistent picture of the committed state. */
export async function dumpTables(db: Kysely<Schema>, dialect: Dialect): Promise<TablesDump> {
  const tables = await tablesOf(db, dialect);
  return (db as Kysely<any>).transaction().execute(async (trx) => {
    const out: TablesDump = { migrations: await migrationsOf(trx), tables: {} };
    for (const t of tables) {
      const rows = await trx.selectFrom(t.name).selectAll().execute();
      out.tables[t.name] = { columns: t.columns, rows: rows.map((r: Record<string, unknown>) => t.columns.map((c) => toDumpValue(r[c]))) };
    }
    return out;
  });
}

/** Bound parameters per INSERT, below SQLite's (32,766) and PostgreSQL's (65,535) limits. */
const MAX_PARAMS = 30_000;

/**
 * Empties every table and, given a dump, fills them from it — in one transaction, so a failure
 * leaves the store as it was. Id sequences continue after the largest id loaded (after none: 1),
 * so the ids a portal hands out next are the ones it handed out when the dump was taken.
 * `then` runs inside the same transaction (reset writes the first-start rows there).
 */
export async function replaceTables(db: Kysely<Schema>, dialect: Dialect, dump: TablesDump | null, then?: (trx: Transaction<Schema>) => Promise<void>): Promise<void> {
  const tables = await tablesOf(db, dialect);
  await db.transaction().execute(async (trx) => {
    const any = trx as Transaction<any>;
    if (dump) {
      const current = await migrationsOf(any);
      if (current.join() !== dump.migrations.join()) throw new IncompatibleDump();
    }
    for (const t of tables) await any.deleteFrom(t.name).execute();
    if (dialect === 'sqlite') await sql`delete from sqlite_sequence`.execute(trx).catch(() => {}); // absent without AUTOINCREMENT tables
    for (const t of tables) {
      const data = dump?.tables[t.name];
      if (!data || data.rows.length === 0) continue;
      const cols = data.columns.filter((c) => t.columns.includes(c));
      const idx = cols.map((c) => data.columns.indexOf(c));
      const chunk = Math.max(1, Math.floor(MAX_PARAMS / cols.length));
      for (let i = 0; i < data.rows.length; i += chunk) {
        const values = data.rows.slice(i, i + chunk).map((row) => Object.fromEntries(cols.map((c, k) => [c, fromDumpValue(row[idx[k]!])])));
        await any.insertInto(t.name).values(values).execute();
      }
    }
    const serial = tables.filter((x) => x.serialId).map((x) => x.name);
    // before `then` too: a reset's first-start rows must get the ids a fresh store gives (user 1)
    await continueIdSequences(trx, dialect, serial);
    if (then) {
      await then(trx);
      await continueIdSequences(trx, dialect, serial);
    }
  });
}

/**
 * After rows were written with explicit ids: PostgreSQL's identity sequences continue after the
 * largest id (SQLite does that by itself).
 */
export async function continueIdSequences(db: AnyDb, dialect: Dialect, tables: string[]): Promise<void> {
  if (dialect !== 'postgres') return;
  for (const t of tables) {
    await sql`select setval(pg_get_serial_sequence(${t}, 'id'), coalesce((select max(id) from ${sql.table(t)}), 0) + 1, false)`.execute(db);
  }
}

export class IncompatibleDump extends Error {
  constructor() {
    super('the snapshot was taken with another database schema (another imbot-server version)');
  }
}
