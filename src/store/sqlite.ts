import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import type { Schema } from './schema.js';
import { migrate, type Store } from './db.js';
import { ReadCache, TableVersions, VersioningPlugin } from './read-cache.js';
import { beginUnit } from './unit.js';
import { GroupCommit } from './group-commit.js';
import { WalCheckpointer } from './wal-checkpointer.js';
import { registerDirectConnection, type DirectStatement } from './prepared.js';

/** Statements kept prepared; SQL texts beyond this (e.g. `in (?, ?, …)` of many lengths) evict the oldest. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs about as much as running a
 * small query, so statements are reused by SQL text. Safe: better-sqlite3 runs a statement
 * synchronously and Kysely holds its single connection for a whole stream.
 */
function cachingStatements(sqlite: Database.Database): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

/**
 * Runs the migrations inside one `BEGIN IMMEDIATE` transaction: SQLite's write lock is held from
 * before the migrator reads which migrations have run, so a server and a CLI command opening one
 * fresh file at once migrate it once (the other waits, then finds nothing to do). Kysely's own
 * transaction begins only at the first write, after that read. The lock is waited for with the
 * busy timeout off and short sleeps, so a wait never blocks this process's event loop.
 */
async function migrateLocked(sqlite: Database.Database, db: Kysely<Schema>): Promise<void> {
  const waitUntil = Date.now() + MIGRATION_LOCK_WAIT_MS;
  sqlite.pragma('busy_timeout = 0');
  try {
    for (;;) {
      try {
        sqlite.exec('BEGIN IMMEDIATE');
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > waitUntil) throw err;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  } finally {
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
  try {
    await migrate(db, 'sqlite', undefined, false);
    sqlite.exec('COMMIT');
  } catch (err) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    throw err;
  }
}

/** How long a writer waits for another's lock. */
const BUSY_TIMEOUT_MS = 5000;
/** How long opening waits for another process's migrations. */
const MIGRATION_LOCK_WAIT_MS = 120_000;

/**
 * Opens (creating if needed) the embedded store at `<dataDir>/imbot.db`. WAL lets the CLI write
 * while a server reads; synchronous=NORMAL in WAL mode survives a killed process (not a power cut).
 * One connection: Kysely runs its transactions one at a time, which is also what makes every
 * check-then-insert here atomic within the process.
 */
export async function openSqliteStore(dataDir: string): Promise<Store> {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'imbot.db');
  const sqlite = new Database(file);
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`); // first: turning WAL on waits for another opener
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  // Memory (BENCHMARKS.md, "A million messages"): 16 MiB of page cache and no memory-mapped I/O.
  // With 64 MiB and a 256 MiB map, a store of a million messages kept 348 MB resident (80 MB of
  // it the mapped file); pages beyond the cache are read with pread from the OS's file cache,
  // which RSS does not count, and the register→unregister chains at a million messages did not
  // get measurably slower.
  sqlite.pragma('cache_size = -16384');
  sqlite.pragma('mmap_size = 0');
  // Prepared once: `sqlite.pragma()` prepares its statement on every call, and this runs on
  // every cache lookup. It moves when another process (the CLI) commits to the file.
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  const versions = new TableVersions(() => dataVersion.get() as number, true);
  const statements = cachingStatements(sqlite);
  const db = new Kysely<Schema>({
    dialect: new SqliteDialect({ database: statements }),
    plugins: [new VersioningPlugin(versions)],
  });
  // the hot compiled writes run on the cached statements themselves (prepared.ts)
  registerDirectConnection(db, (text) => statements.prepare(text) as unknown as DirectStatement);
  await migrateLocked(sqlite, db);
  const groups = new GroupCommit(db, versions);
  // WAL checkpoints in a thread of their own, from the first unit of work on (wal-checkpointer.ts)
  const checkpoints = new WalCheckpointer(sqlite, file);
  return {
    db,
    dialect: 'sqlite',
    cache: new ReadCache(versions),
    transaction: (fn) => {
      checkpoints.start();
      return groups.transaction(fn);
    },
    begin: () => {
      checkpoints.start();
      return beginUnit(db, versions);
    },
    onForeignChange: () => () => {},
    close: async () => {
      await groups.idle();
      // the thread first: the main connection, closing last, checkpoints what is left
      await checkpoints.close();
      await db.destroy();
    },
  };
}
