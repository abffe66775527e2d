import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Schema } from './schema.js';
import { migrate, type Store } from './db.js';
import { ReadCache, TableVersions, VersioningPlugin } from './read-cache.js';
import { beginUnit } from './unit.js';
import { GroupCommit } from './group-commit.js';
import { workCounters } from '../util/work-counters.js';

/**
 * The code reads every integer as a JS number: bigint (int8) columns hold millisecond times and
 * sizes, and count(*) is bigint too; node-postgres would hand them over as strings. Values stay
 * below 2^53. NUMERIC (sums, averages) likewise.
 */
const NUMBER_TYPES = new Set([20, 1700]);
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (NUMBER_TYPES.has(oid) && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** The change notifications' channel: one per schema, so portals sharing a database stay apart. */
const channelOf = (schema: string) => `imbot_${schema}`.slice(0, 63);
const TRIGGER = 'imbot_notify_change';
/** How long to wait before listening again after the notification connection broke. */
const RELISTEN_MS = 1000;

/**
 * Every table of the schema gets a statement-level trigger that NOTIFYs its name (migration 013
 * defines the function). A notification is delivered when the writing transaction commits, to
 * every process listening: that is how a server learns of the CLI's and other nodes' commits
 * (read cache, outbox wake-up). Run at every start under the migration lock, so tables that later
 * migrations add are covered without each migration remembering it.
 */
async function ensureChangeTriggers(db: Kysely<Schema>): Promise<void> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relkind = 'r' and c.relname not like 'kysely\\_%'
      and not exists (select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname = ${TRIGGER})`.execute(db);
  for (const { name } of rows) {
    await sql`create trigger ${sql.id(TRIGGER)} after insert or update or delete or truncate on ${sql.id(name)}
      for each statement execute function ${sql.id(TRIGGER)}()`.execute(db);
  }
}

/**
 * The schema the tables live in. A URL whose search_path names a schema that does not exist yet
 * (`?options=-c%20search_path%3Dimbot`, for a database shared with other applications) gets it
 * created, as a fresh SQLite data directory gets its file.
 */
async function currentSchema(db: Kysely<Schema>): Promise<string> {
  const current = async () => (await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db)).rows[0]?.schema ?? null;
  const found = await current();
  if (found) return found;
  const path = (await sql<{ search_path: string }>`show search_path`.execute(db)).rows[0]?.search_path ?? '';
  const first = path.split(',')[0]?.trim().replace(/^"(.*)"$/, '$1') ?? '';
  if (!first || first === '$user') throw new Error('the PostgreSQL connection has no schema to use (search_path names none)');
  // two processes creating it at once: the loser's "if not exists" can still hit the catalogue's
  // unique index; the schema is there either way
  await sql`create schema if not exists ${sql.id(first)}`.execute(db).catch((err: { code?: string }) => {
    if (err.code !== '23505' && err.code !== '42P06') throw err;
  });
  const created = await current();
  if (!created) throw new Error(`the PostgreSQL connection cannot use schema ${first}`);
  return created;
}

/**
 * Kysely's migrator looks for its tables through the catalogue of every schema of the database;
 * another schema dropped at that moment (a database shared by several portals, e.g. the test
 * suite's) fails the lookup with "schema … does not exist". Migrations run in one transaction,
 * so trying again is safe.
 */
async function migrateRetrying(db: Kysely<Schema>, schema: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrate(db, 'postgres', schema);
    } catch (err) {
      const other = /schema "([^"]+)" does not exist/.exec((err as Error).message)?.[1];
      if (attempt >= 5 || !other || other === schema) throw err;
    }
  }
}

/** How long connecting may take when the URL sets no `connect_timeout`. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Idle time before TCP keepalive probes a connection (the listening one is idle most of the time). */
const KEEPALIVE_IDLE_MS = 10_000;

/**
 * A server that vanishes without closing its connections (a partition, a host switched off, a
 * firewall dropping packets) must not leave a node waiting for ever: connecting gives up after
 * libpq's `connect_timeout` (seconds, in the URL; 10 s when absent; node-postgres reads it only
 * from its own option), and TCP keepalive probes idle connections, so a dead listening connection
 * ends and is replaced (see relisten) instead of silently missing every notification.
 */
function linkOptions(url: string): { connectionTimeoutMillis: number; keepAlive: true; keepAliveInitialDelayMillis: number } {
  let seconds = NaN;
  try {
    const v = new URL(url).searchParams.get('connect_timeout');
    if (v !== null && v.trim() !== '') seconds = Number(v);
  } catch {
    // not a URL pg can read either: its own error says so when connecting
  }
  // libpq: 0 or less waits for ever; we keep a bound rather than hang
  const ms = Number.isFinite(seconds) && seconds > 0 ? Math.max(1000, Math.round(seconds * 1000)) : CONNECT_TIMEOUT_MS;
  return { connectionTimeoutMillis: ms, keepAlive: true, keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS };
}

/**
 * Opens a PostgreSQL store (`serve --store postgres://user@host/db`). The tables live in the
 * connection's current schema (`public` unless the URL sets `options=-c search_path=…`).
 * Migrations run under a session advisory lock per schema, so nodes that start together migrate
 * once and the others wait for it.
 */
export async function openPostgresStore(url: string): Promise<Store> {
  const link = linkOptions(url);
  const pool = new pg.Pool({ connectionString: url, types, max: 10, ...link });
  // A broken idle connection must not take the process down; the next query gets a new one.
  pool.on('error', () => {});
  /** our own connections' backend ids: their notifications are already handled in-process */
  const ownBackends = new Set<number>();
  pool.on('connect', (client) => {
    // Nor a connection that breaks while it is checked out (the pool listens only to idle ones):
    // the query running on it fails with the error, and the pool drops it when it comes back.
    client.on('error', () => {});
    const pid = (client as unknown as { processID?: number }).processID;
    if (pid) ownBackends.add(pid);
    // every statement sent on a pooled connection (transaction control included), for the counters
    const query = client.query;
    client.query = function (this: pg.PoolClient, ...args: unknown[]) {
      workCounters.add('sql.statements');
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: unknown } | undefined)?.text;
      if (typeof text === 'string' && /^\s*begin\b/i.test(text)) workCounters.add('sql.transactions');
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof client.query;
  });
  pool.on('remove', (client) => {
    const pid = (client as unknown as { processID?: number }).processID;
    if (pid) ownBackends.delete(pid);
  });

  const versions = new TableVersions();
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }), plugins: [new VersioningPlugin(versions)] });
  let schema: string;
  try {
    schema = await currentSchema(db);
    const lock = await pool.connect();
    try {
      await lock.query('select pg_advisory_lock(hashtext($1))', [`${schema}:imbot-migrate`]);
      try {
        await migrateRetrying(db, schema);
        await ensureChangeTriggers(db);
      } finally {
        await lock.query('select pg_advisory_unlock(hashtext($1))', [`${schema}:imbot-migrate`]);
      }
    } finally {
      lock.release();
    }
  } catch (err) {
    await db.destroy();
    throw err;
  }

  const listeners = new Set<(table: string) => void>();
  let closed = false;
  let listener: pg.Client | null = null;
  /** Whatever was committed while nobody listened: everything may have changed. */
  const changedAll = () => {
    versions.wrote(null);
    for (const fn of listeners) fn('');
  };
  /**
   * The listening connection broke (PostgreSQL restarted, the network went away): everything
   * counts as changed now, and again once a new connection listens (commits made in between sent
   * their notifications to nobody). Connecting is tried every RELISTEN_MS until it works.
   */
  let relistening = false;
  const relisten = () => {
    if (closed || relistening) return;
    relistening = true;
    changedAll();
    const attempt = () => {
      if (closed) return;
      listen().then(
        () => {
          relistening = false;
          changedAll();
        },
        () => setTimeout(attempt, RELISTEN_MS).unref(),
      );
    };
    setTimeout(attempt, RELISTEN_MS).unref();
  };
  const listen = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: url, ...link });
    client.on('error', () => {});
    client.on('notification', (msg) => {
      workCounters.add('pg.notify.received');
      if (ownBackends.has(msg.processId) || !msg.payload) return;
      workCounters.add('pg.notify.foreign');
      versions.wrote(msg.payload);
      for (const fn of listeners) fn(msg.payload);
    });
    // only the connection that listened: one that failed to is retried by relisten's loop
    client.on('end', () => {
      if (listener !== client) return;
      listener = null;
      relisten();
    });
    try {
      await client.connect();
      await client.query(`listen "${channelOf(schema)}"`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    listener = client;
    if (closed) await client.end();
  };
  try {
    await listen();
  } catch (err) {
    await db.destroy();
    throw err;
  }

  const groups = new GroupCommit(db, versions);
  return {
    db,
    dialect: 'postgres',
    cache: new ReadCache(versions),
    transaction: (fn) => groups.transaction(fn),
    begin: () => beginUnit(db, versions),
    onForeignChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    async close() {
      closed = true;
      await groups.idle();
      await listener?.end().catch(() => {});
      await db.destroy();
    },
  };
}


