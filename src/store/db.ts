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
import * as m043 from './migrations/043_departments.js';
import * as m044 from './migrations/044_search_last.js';
import * as m045 from './migrations/045_user_fields.js';
import * as m047 from './migrations/047_recent_flags.js';
import * as m048 from './migrations/048_disk.js';
import * as m049 from './migrations/049_disk_upload_tokens.js';
import * as m050 from './migrations/050_drop_download_tokens.js';
import * as m051 from './migrations/051_chat_folders_for_files.js';
import * as m052 from './migrations/052_user_field_enums.js';
import * as m060 from './migrations/060_open_lines.js';
import * as m061 from './migrations/061_structure_nodes.js';
import * as m067 from './migrations/067_v2_event_plain_bytes.js';
import * as m069 from './migrations/069_change_notify_channels.js';
import * as m075 from './migrations/075_file_chunks.js';

import type { Dialect } from './dialect.js';
export type { Dialect } from './dialect.js';
/** Anything queries can run on: the database or a transaction on it. */
export type Db = Kysely<Schema> | Transaction<Schema>;

export interface Store {
  readonly db: Kysely<Schema>;
  readonly dialect: Dialect;
  /** memory for hot reads, always as fresh as the tables they came from */
  readonly cache: ReadCache;
  /**
   * One unit of work: `fn` runs in a transaction (shared with concurrent units, each in its own
   * savepoint: group-commit.ts); when it ends the read cache lets go of the
   * tables it wrote, and after a commit the unit's `afterCommit` hooks run.
   */
  transaction<T>(fn: (trx: Transaction<Schema>, unit: Unit) => Promise<T>): Promise<T>;
  /** A unit of work the caller ends itself (a batch's shared transaction). */
  begin(): Promise<OpenUnit>;
  /**
   * Tables another process (the CLI, another node) changed, as they are told (PostgreSQL only:
   * SQLite has no notification, the delivery worker's poll timer finds such rows): the cached
   * tables (read-cache.ts, CACHED_TABLES), or with `outbox` event_outbox alone (its own channel,
   * listened to only while such a listener is registered). '' = the listening connection was
   * lost or came back: anything may have changed. Returns the function that stops listening.
   */
  onForeignChange(listener: (table: string) => void, opts?: { outbox?: boolean }): () => void;
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
  '043_departments': m043,
  '044_search_last': m044,
  '045_user_fields': m045,
  '047_recent_flags': m047,
  '048_disk': m048,
  '049_disk_upload_tokens': m049,
  '050_drop_download_tokens': m050,
  '051_chat_folders_for_files': m051,
  '052_user_field_enums': m052,
  '060_open_lines': m060,
  '061_structure_nodes': m061,
  '067_v2_event_plain_bytes': m067,
  '069_change_notify_channels': m069,
  '075_file_chunks': m075,
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
 * `ownTransaction`: false when the caller already holds a transaction around the whole run (SQLite
 * takes its write lock before the migrator reads what has run).
 */
export async function migrate(db: Kysely<Schema>, dialect: Dialect, schema?: string, ownTransaction = true): Promise<void> {
  // Migration numbers are handed out in ranges per line of work (040…, 060…), which land in any
  // order: a store that already ran 060 still runs a later-landed 043.
  const migrator = new Migrator({ db, provider: provider(dialect), migrationTableSchema: schema, allowUnorderedMigrations: true, disableTransactions: !ownTransaction });
  const { error, results } = await migrator.migrateToLatest();
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

/**
 * Runs `fn` in a transaction: the one `db` already is, or a new one on the database (committed
 * when `fn` returns). For code that may be called inside or outside a unit of work (portal
 * bootstrap).
 */
export function inTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : (db as Kysely<Schema>).transaction().execute(fn);
}

/** One round trip to the database (`/__ready`): throws when the store does not answer. */
export async function pingStore(db: Kysely<Schema>): Promise<void> {
  await sql`select 1`.execute(db);
}
