import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Schema } from './schema.js';
import { migrate, type Store } from './db.js';
import { CACHED_TABLES, ReadCache, TableVersions, VersioningPlugin } from './read-cache.js';
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

/**
 * The change notifications' channels, one pair per schema so portals sharing a database stay apart
 * (the trigger function, migration 069, names them the same way): the cached tables' commits, which
 * every process listens to, and event_outbox's, which only a server outside a cluster listens to.
 */
const channelOf = (schema: string) => `imbot_${schema}`.slice(0, 63);
const outboxChannelOf = (schema: string) => `imbot-outbox_${schema}`.slice(0, 63);
const TRIGGER = 'imbot_notify_change';
/**
 * The tables whose commits another process acts on: the read cache's (its entries must not
 * outlive another process's commit) and the outbox (a server outside a cluster starts delivering
 * the CLI's rows at once). A commit that writes none of them (a message, a read mark, the
 * delivery bookkeeping of other tables) notifies nobody, so it wakes no other process.
 */
const NOTIFYING_TABLES: ReadonlySet<string> = new Set([...CACHED_TABLES, 'event_outbox']);
/** How long a read waits for the listening connection's round trip (see setForeignSync below). */
const SYNC_TIMEOUT_MS = 2000;
/** How long to wait before listening again after the notification connection broke. */
const RELISTEN_MS = 1000;

/**
 * Each of NOTIFYING_TABLES gets a statement-level trigger that NOTIFYs its name (migration 069
 * defines the function and its two channels). A notification is delivered when the writing
 * transaction commits, to every process listening: that is how a server learns of the CLI's and
 * other nodes' commits (read cache, outbox wake-up). Every other table loses the trigger (before
 * migration 069 every table had one: each commit woke every node once per table it wrote).
 * Run at every start under the migration lock, so the schema follows NOTIFYING_TABLES.
 */
async function ensureChangeTriggers(db: Kysely<Schema>): Promise<void> {
  const { rows } = await sql<{ name: string; has: boolean }>`
    select c.relname as name, exists (select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname = ${TRIGGER}) as has
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relkind = 'r' and c.relname not like 'kysely\\_%'`.execute(db);
  for (const { name, has } of rows) {
    if (NOTIFYING_TABLES.has(name) && !has) {
      await sql`create trigger ${sql.id(TRIGGER)} after insert or update or delete or truncate on ${sql.id(name)}
        for each statement execute function ${sql.id(TRIGGER)}()`.execute(db);
    } else if (!NOTIFYING_TABLES.has(name) && has) {
      await sql`drop trigger ${sql.id(TRIGGER)} on ${sql.id(name)}`.execute(db);
    }
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
  /** the listeners that asked for event_outbox's commits too (its own channel, listened to while there are any) */
  const outboxListeners = new Set<(table: string) => void>();
  const outboxChannel = outboxChannelOf(schema);
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
    for (const fn of outboxListeners) fn('');
    const attempt = () => {
      if (closed) return;
      listen().then(
        () => {
          relistening = false;
          changedAll();
          for (const fn of outboxListeners) fn('');
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
      if (msg.channel === outboxChannel) {
        for (const fn of outboxListeners) fn(msg.payload);
        return;
      }
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
      if (outboxListeners.size > 0) await client.query(`listen "${outboxChannel}"`);
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

  /**
   * Read-your-writes across processes: a commit signals every listening backend before its
   * client hears COMMIT succeed, and a listening backend sends the notifications it was signalled
   * for before it answers its next statement (it handles them when it goes idle, and before
   * ReadyForQuery at the latest). So once `select 1` on the listening connection is answered,
   * every commit acknowledged before it was sent has reached `versions` (node-postgres emits a
   * notification as soon as it parses it, before the statement's answer). Without a listening
   * connection (it broke; relisten runs), or when the trip takes longer than SYNC_TIMEOUT_MS,
   * everything counts as changed instead.
   */
  /**
   * Statements on the listening connection are sent one after another (node-postgres warns of a
   * statement sent while another is still running); one queued behind another is still sent
   * after it was asked for, which is all a catch-up needs.
   */
  let listenerTail: Promise<unknown> = Promise.resolve();
  const onListener = (client: pg.Client, text: string): Promise<unknown> => {
    const sent = listenerTail.then(() => client.query(text));
    listenerTail = sent.catch(() => {});
    return sent;
  };

  versions.setForeignSync(() => {
    const client = listener;
    if (!client) {
      versions.wrote(null);
      return Promise.resolve();
    }
    workCounters.add('pg.sync');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        versions.wrote(null);
        resolve();
      }, SYNC_TIMEOUT_MS);
    });
    const trip = onListener(client, 'select 1').then(
      () => undefined,
      () => {
        versions.wrote(null);
      },
    );
    return Promise.race([trip, late]).finally(() => clearTimeout(timer));
  });

  /** LISTEN or UNLISTEN the outbox channel on the current connection (a new one does it as it starts) */
  const listenOutbox = (on: boolean) => {
    if (listener) onListener(listener, `${on ? 'listen' : 'unlisten'} "${outboxChannel}"`).catch(() => {}); // a broken connection: relisten's loop
  };

  const groups = new GroupCommit(db, versions);
  return {
    db,
    dialect: 'postgres',
    cache: new ReadCache(versions),
    transaction: (fn) => groups.transaction(fn),
    begin: () => beginUnit(db, versions),
    onForeignChange(fn, opts) {
      if (opts?.outbox) {
        outboxListeners.add(fn);
        if (outboxListeners.size === 1) listenOutbox(true);
        return () => {
          if (outboxListeners.delete(fn) && outboxListeners.size === 0) listenOutbox(false);
        };
      }
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


