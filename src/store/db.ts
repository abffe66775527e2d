import { Kysely, Migrator, PostgresAdapter, sql, type Migration, type MigrationProvider, type Transaction } from 'kysely';
import type { Schema } from './schema.js';
import type { ReadCache } from './read-cache.js';
import type { OpenUnit, Unit } from './unit.js';
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
import * as m013 from './migrations/013_concurrent_writers.js';
import * as m020 from './migrations/020_user_passwords.js';
import * as m040 from './migrations/040_notifications.js';
import * as m041 from './migrations/041_app_options.js';
import * as m042 from './migrations/042_user_status.js';
import * as m060 from './migrations/060_open_lines.js';

export type Dialect = 'sqlite' | 'postgres';
/** Anything queries can run on: the database or a transaction on it. */
export type Db = Kysely<Schema> | Transaction<Schema>;

export interface Store {
  readonly db: Kysely<Schema>;
  readonly dialect: Dialect;
  /** memory for hot reads, always as fresh as the tables they came from */
  readonly cache: ReadCache;
  /**
   * One unit of work: `fn` runs in a transaction; when it ends the read cache lets go of the
   * tables it wrote, and after a commit the unit's `afterCommit` hooks run.
   */
  transaction<T>(fn: (trx: Transaction<Schema>, unit: Unit) => Promise<T>): Promise<T>;
  /** A unit of work the caller ends itself (a batch's shared transaction). */
  begin(): Promise<OpenUnit>;
  /**
   * Tables another process (the CLI, another node) changed, as they are told (PostgreSQL only:
   * SQLite has no notification, the delivery worker's poll timer finds such rows). Returns the
   * function that stops listening.
   */
  onForeignChange(listener: (table: string) => void): () => void;
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
  '013_concurrent_writers': m013,
  '020_user_passwords': m020,
  '040_notifications': m040,
  '041_app_options': m041,
  '042_user_status': m042,
  '060_open_lines': m060,
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

/**
 * `schema`: where PostgreSQL keeps the migration tables (the connection's current schema).
 * Numbers are handed out in ranges to parallel lines of work, so a store that already ran a later
 * number may meet an earlier one that landed after it: it runs then (unordered migrations allowed).
 */
export async function migrate(db: Kysely<Schema>, dialect: Dialect, schema?: string): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: provider(dialect), migrationTableSchema: schema, allowUnorderedMigrations: true }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${(error as Error).message ?? error}`);
  }
}

/** Is this database (or transaction) PostgreSQL? For the few statements that differ. */
export function isPostgres(db: Db): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * Orders the transactions that write one key, from here to their end: PostgreSQL takes a
 * transaction-scoped advisory lock on the key (per schema); SQLite needs nothing, its writers
 * already run one at a time. For check-then-insert rules no unique index states (an event
 * binding's duplicate check, a bot's set of subscriptions): take the lock, then check.
 */
export async function lockKey(db: Db, key: string): Promise<void> {
  if (isPostgres(db)) await sql`select pg_advisory_xact_lock(hashtextextended(current_schema() || ':' || ${key}, 0))`.execute(db);
}
