/**
 * Queries on the v2 fetch-mode event log (api-reference/chat-bots/.../Event.get): `v2_event_log`
 * (one table for every queue, a bot's and a subscribed person's, ids one global sequence),
 * its id counter `v2_event_counter`, the people subscribed with im.v2.Event.subscribe
 * (`v2_event_subscribers`) and fetch bots deleted within their grace window (`v2_deleted_bots`).
 * Retention and acknowledgement rules are src/events/v2/log.ts's.
 */
import { CompiledQuery, type Selectable } from 'kysely';
import { isPostgres, type Db } from '../db.js';
import { preparedWrite } from '../prepared.js';
import type { V2EventLogTable } from '../schema.js';

export type V2EventRow = Selectable<V2EventLogTable>;

/** One queued event: whose queue, what, and its JSON snapshot. */
export interface NewV2Event {
  ownerId: number;
  type: string;
  data: string;
  /** bytes of the snapshot's plain JSON, given when `data` is stored as the wire encodes it (migration 067) */
  plainBytes?: number;
}

/**
 * Appends events in the caller's transaction (or one of its own) and returns their ids, in order.
 *
 * Ids come from the counter row, whose lock the transaction holds until it ends: the next writer
 * gets its ids only after this commit (or rollback), so ids become visible in id order and a
 * reader's `offset` past a visible id can never skip an event still being written. (A plain
 * sequence hands out ids at insert time; under concurrent writers a lower id could commit after a
 * reader had acknowledged a higher one, and that event would be lost.) On SQLite, which has one
 * writer at a time, the counter costs one small update.
 */
export async function appendV2Events(db: Db, events: NewV2Event[], now: number): Promise<number[]> {
  if (events.length === 0) return [];
  if (!db.isTransaction) return db.transaction().execute((trx) => appendV2Events(trx, events, now));
  const counter = await takeIds.first(db, events.length);
  if (!counter) throw new Error('the v2 event counter row is missing');
  const first = counter.last_id - events.length + 1;
  const rows = events.map((e, i) => ({ id: first + i, owner_id: e.ownerId, event_type: e.type, event_data: e.data, data_bytes: e.plainBytes ?? null, created_at: now }));
  if (rows.length === 1) {
    const r = rows[0]!;
    await insertOne.all(db, r.id, r.owner_id, r.event_type, r.event_data, r.data_bytes, r.created_at);
  } else await db.insertInto('v2_event_log').values(rows).execute();
  return events.map((_, i) => first + i);
}

// Compiled once (store/prepared.ts): a message to a fetch bot (or a subscribed person) records
// its event with these two.
const takeIds = preparedWrite<[number], { last_id: number }>(1, (db, n) =>
  db
    .updateTable('v2_event_counter')
    .set((eb) => ({ last_id: eb('last_id', '+', n) }))
    .where('name', '=', 'v2_event_log')
    .returning('last_id'),
);
const insertOne = preparedWrite<[number, number, string, string, number | null, number], never>(6, (db, id, owner_id, event_type, event_data, data_bytes, created_at) =>
  db.insertInto('v2_event_log').values({ id, owner_id, event_type, event_data, data_bytes, created_at }),
);

/**
 * Drops up to `batch` rows created before `cutoff`, oldest first in the order of the age index
 * (`order by id` made SQLite walk the whole table in rowid order).
 */
export async function deleteV2EventsBefore(db: Db, cutoff: number, batch: number): Promise<void> {
  await sweep.all(db, cutoff, batch);
}

/** Compiled once (store/prepared.ts): every Event.get and every event recorded sweeps first. */
const sweep = preparedWrite<[number, number], never>(2, (db, cutoff, batch) =>
  db
    .deleteFrom('v2_event_log')
    .where('id', 'in', (eb) => eb.selectFrom('v2_event_log').select('id').where('created_at', '<', cutoff).orderBy('created_at').orderBy('id').limit(batch)),
);

/** The acknowledgement: every row of these queues below `offset` goes. */
export async function acknowledgeV2Events(db: Db, ownerIds: number[], offset: number): Promise<void> {
  if (ownerIds.length === 0) return;
  await db.deleteFrom('v2_event_log').where('owner_id', 'in', ownerIds).where('id', '<', offset).execute();
}

/**
 * Rows of these queues created at `createdFrom` or later with id ≥ `fromId`, oldest first, row by
 * row. Event.get reads its pages with `readV2EventPage`; this form stays as the contract's
 * reference for it (test/store/v2-event-log.test.ts).
 */
export function readV2Events(db: Db, ownerIds: number[], createdFrom: number, fromId: number, limit: number): Promise<V2EventRow[]> {
  if (ownerIds.length === 0) return Promise.resolve([]);
  let q = db.selectFrom('v2_event_log').selectAll().where('owner_id', 'in', ownerIds).where('created_at', '>=', createdFrom);
  if (fromId > 0) q = q.where('id', '>=', fromId);
  return q.orderBy('id').limit(limit).execute();
}

/**
 * `readV2Events`' rows read as one row of one statement, so no snapshot becomes a JavaScript
 * string of its own (issue 18): `data` is every row's `event_data` back to back, as bytes, and
 * `meta` one line per row in the same order: `id created_at bytes data_bytes type`, where `bytes`
 * is the size of the row's `event_data` in `data` and `data_bytes` is -1 when null. Event types
 * are identifiers (no space, no line break). The rows are those of `readV2Events`, but on SQLite
 * not necessarily oldest first (the reader orders them by id): there the page is the queues' rows
 * up to the id of the `limit`-th, aggregated straight from the table, since aggregating an
 * ordered subquery copies every snapshot once more (and an aggregate's own `order by` sorts them).
 * SQLite hands the concatenation over as a BLOB (one Buffer); PostgreSQL as text, encoded here
 * once.
 */
export interface V2EventPage {
  meta: string;
  data: Buffer;
}

export async function readV2EventPage(db: Db, ownerIds: number[], createdFrom: number, fromId: number, limit: number): Promise<V2EventPage> {
  if (ownerIds.length === 0 || limit <= 0) return { meta: '', data: Buffer.alloc(0) };
  const postgres = isPostgres(db);
  const query = pageQuery(ownerIds.length, postgres);
  const from = Math.max(0, fromId);
  const parameters = postgres ? [...ownerIds, createdFrom, from, limit] : [...ownerIds, createdFrom, from, ...ownerIds, createdFrom, from, limit - 1];
  const { rows } = await db.executeQuery<{ meta: string | null; data: Buffer | string | null }>(CompiledQuery.raw(query, parameters));
  const row = rows[0];
  const raw = row?.data ?? null;
  return { meta: row?.meta ?? '', data: raw === null ? Buffer.alloc(0) : typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw };
}

/** The SQL of `readV2EventPage` for `owners` queues, made once per engine and count. */
const pageQueries = new Map<string, string>();
function pageQuery(owners: number, postgres: boolean): string {
  const key = `${postgres ? 'pg' : 'sqlite'}:${owners}`;
  let text = pageQueries.get(key);
  if (text !== undefined) return text;
  const p = postgres ? (i: number) => `$${i}` : () => '?';
  const inList = Array.from({ length: owners }, (_, i) => p(i + 1)).join(', ');
  const where = `owner_id in (${inList}) and created_at >= ${p(owners + 1)} and id >= ${p(owners + 2)}`;
  const line = `id || ' ' || created_at || ' ' || octet_length(event_data) || ' ' || coalesce(data_bytes, -1) || ' ' || event_type`;
  if (postgres) {
    const page = `select id, created_at, event_type, event_data, data_bytes from v2_event_log where ${where} order by id limit ${p(owners + 3)}`;
    text = `select string_agg(${line}, E'\\n' order by id) as meta, string_agg(event_data, '' order by id) as data from (${page}) as p`;
  } else {
    // the id of the `limit`-th row (no snapshot copied), or every row when there are fewer
    const last = `coalesce((select id from v2_event_log where ${where} order by id limit 1 offset ?), 9223372036854775807)`;
    text = `select group_concat(${line}, char(10)) as meta, cast(group_concat(event_data, '') as blob) as data from v2_event_log where ${where} and id <= ${last}`;
  }
  pageQueries.set(key, text);
  return text;
}

/** Every row of one queue (a deleted bot's, after its grace window). */
export async function deleteV2Queue(db: Db, ownerId: number): Promise<void> {
  await db.deleteFrom('v2_event_log').where('owner_id', '=', ownerId).execute();
}

// ---- subscribed people (im.v2.Event.subscribe) ----

export async function isV2Subscriber(db: Db, userId: number): Promise<boolean> {
  return !!(await db.selectFrom('v2_event_subscribers').select('user_id').where('user_id', '=', userId).executeTakeFirst());
}

/** Idempotent. */
export async function addV2Subscriber(db: Db, userId: number, now: number): Promise<void> {
  await db.insertInto('v2_event_subscribers').values({ user_id: userId, created_at: now }).onConflict((oc) => oc.column('user_id').doNothing()).execute();
}

/** Idempotent. */
export async function removeV2Subscriber(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('v2_event_subscribers').where('user_id', '=', userId).execute();
}

/** The subscribers who are people (a bot's subscription records nothing). */
export async function listV2SubscribedPeople(db: Db): Promise<number[]> {
  const rows = await db
    .selectFrom('v2_event_subscribers')
    .innerJoin('users', 'users.id', 'v2_event_subscribers.user_id')
    .select('v2_event_subscribers.user_id')
    .where('users.external_auth_id', '!=', 'bot')
    .execute();
  return rows.map((r) => r.user_id);
}

// ---- deleted fetch bots ----

/** Remembers (or refreshes) a deleted fetch bot and its owner key. */
export async function rememberDeletedV2Bot(db: Db, botId: number, appId: string, at: number): Promise<void> {
  await db
    .insertInto('v2_deleted_bots')
    .values({ bot_id: botId, app_id: appId, deleted_at: at })
    .onConflict((oc) => oc.column('bot_id').doUpdateSet({ app_id: appId, deleted_at: at }))
    .execute();
}

export function findDeletedV2Bot(db: Db, botId: number): Promise<{ bot_id: number; app_id: string; deleted_at: number } | undefined> {
  return db.selectFrom('v2_deleted_bots').selectAll().where('bot_id', '=', botId).executeTakeFirst();
}

/** A deleted bot is gone for good: its queue and its record. */
export async function forgetDeletedV2Bot(db: Db, botId: number): Promise<void> {
  // Event.get at offset 0 runs outside a transaction: both deletes still go together
  if (!db.isTransaction) return db.transaction().execute((trx) => forgetDeletedV2Bot(trx, botId));
  await deleteV2Queue(db, botId);
  await db.deleteFrom('v2_deleted_bots').where('bot_id', '=', botId).execute();
}

/** Rows waiting in each v2 fetch queue (`imbot.v2.Event.get`), per bot. */
export function queueLengths(db: Db) {
  return db.selectFrom('v2_event_log').select(['owner_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('owner_id').execute();
}

/** The oldest `limit` rows of one bot's v2 fetch queue (the order `imbot.v2.Event.get` reads them in). */
export function queueRows(db: Db, botId: number, limit: number) {
  return db.selectFrom('v2_event_log').select(['id', 'event_type', 'event_data', 'created_at']).where('owner_id', '=', botId).orderBy('id').limit(limit).execute();
}
