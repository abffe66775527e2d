import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration, type MigrationProvider, type SqliteDatabase, type Transaction } from 'kysely';
import type { Schema } from './schema.js';
import { ReadCache, TableVersions, VersioningPlugin } from './read-cache.js';
import * as m001 from './migrations/001_initial.js';
import * as m002 from './migrations/002_event_delivery.js';
import * as m003 from './migrations/003_command_answer_tokens.js';
import * as m004 from './migrations/004_oauth_apps.js';
import * as m005 from './migrations/005_chat_apps.js';
import * as m006 from './migrations/006_offline_events.js';
import * as m007 from './migrations/007_bots_v2.js';
import * as m008 from './migrations/008_v2_event_log.js';
import * as m009 from './migrations/009_v2_messages.js';
import * as m010 from './migrations/010_files.js';
import * as m011 from './migrations/011_chat_input_actions.js';
import * as m012 from './migrations/012_outbox_due_index.js';
import * as m020 from './migrations/020_user_passwords.js';

export type Dialect = 'sqlite' | 'postgres';
/** Anything queries can run on: the database or a transaction on it. */
export type Db = Kysely<Schema> | Transaction<Schema>;

export interface Store {
  readonly db: Kysely<Schema>;
  readonly dialect: Dialect;
  /** memory for hot reads, always as fresh as the tables they came from */
  readonly cache: ReadCache;
  /** to be called when a write transaction has ended (committed or rolled back) */
  settle(): void;
  close(): Promise<void>;
}

const migrations: Record<string, { up(db: Kysely<any>, d: Dialect): Promise<void> }> = {
  '001_initial': m001,
  '002_event_delivery': m002,
  '003_command_answer_tokens': m003,
  '004_oauth_apps': m004,
  '005_chat_apps': m005,
  '006_offline_events': m006,
  '007_bots_v2': m007,
  '008_v2_event_log': m008,
  '009_v2_messages': m009,
  '010_files': m010,
  '011_chat_input_actions': m011,
  '012_outbox_due_index': m012,
  '020_user_passwords': m020,
};

function provider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, m] of Object.entries(migrations)) out[name] = { up: (db) => m.up(db, dialect) };
      return out;
    },
  };
}

export async function migrate(db: Kysely<Schema>, dialect: Dialect): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: provider(dialect) }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${(error as Error).message ?? error}`);
  }
}

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
  // every cache lookup.
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  const versions = new TableVersions(() => dataVersion.get() as number);
  const db = new Kysely<Schema>({
    dialect: new SqliteDialect({ database: cachingStatements(sqlite) }),
    plugins: [new VersioningPlugin(versions)],
  });
  await migrate(db, 'sqlite');
  return { db, dialect: 'sqlite', cache: new ReadCache(versions), settle: () => versions.settle(), close: () => db.destroy() };
}
