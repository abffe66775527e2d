import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import type { Schema } from './schema.js';
import { migrate, type Store } from './db.js';
import { ReadCache, TableVersions, VersioningPlugin } from './read-cache.js';
import { beginUnit, inUnit } from './unit.js';

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
 * Opens (creating if needed) the embedded store at `<dataDir>/imbot.db`. WAL lets the CLI write
 * while a server reads; synchronous=NORMAL in WAL mode survives a killed process (not a power cut).
 * One connection: Kysely runs its transactions one at a time, which is also what makes every
 * check-then-insert here atomic within the process.
 */
export async function openSqliteStore(dataDir: string): Promise<Store> {
  mkdirSync(dataDir, { recursive: true });
  const sqlite = new Database(join(dataDir, 'imbot.db'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('cache_size = -65536'); // 64 MiB of page cache
  sqlite.pragma('mmap_size = 268435456');
  // Prepared once: `sqlite.pragma()` prepares its statement on every call, and this runs on
  // every cache lookup. It moves when another process (the CLI) commits to the file.
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  const versions = new TableVersions(() => dataVersion.get() as number, true);
  const db = new Kysely<Schema>({
    dialect: new SqliteDialect({ database: cachingStatements(sqlite) }),
    plugins: [new VersioningPlugin(versions)],
  });
  await migrate(db, 'sqlite');
  return {
    db,
    dialect: 'sqlite',
    cache: new ReadCache(versions),
    transaction: (fn) => inUnit(db, versions, fn),
    begin: () => beginUnit(db, versions),
    onForeignChange: () => () => {},
    close: () => db.destroy(),
  };
}
