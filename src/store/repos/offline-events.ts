/**
 * Queries on the offline event queue (`event_offline`, the portal's `EventOfflineTable`, see
 * api-reference/events/offline-events) and on when an app's ONOFFLINEEVENT handlers were last told
 * (`event_offline_notices`). A row is one object in one state, keyed by its MESSAGE_ID; the rules
 * of merging, reserving and flagging are src/events/offline-queue.ts's, these are their queries.
 */
import { sql, type Selectable } from 'kysely';
import { isPostgres, type Db } from '../db.js';
import type { EventOfflineTable } from '../schema.js';

export type OfflineRow = Selectable<EventOfflineTable>;

/** Queue fields the offline methods filter and sort by, as the API names them. */
export const OFFLINE_COLUMNS = {
  ID: 'id',
  TIMESTAMP_X: 'changed_at',
  EVENT_NAME: 'event_name',
  MESSAGE_ID: 'message_id',
  PROCESS_ID: 'process_id',
  ERROR: 'error',
} as const;

export type OfflineField = keyof typeof OFFLINE_COLUMNS;
const TEXT_FIELDS: ReadonlySet<OfflineField> = new Set(['EVENT_NAME', 'MESSAGE_ID', 'PROCESS_ID']);
/** '' and '=' equal, '@' in a list, '%' contains */
export type FilterOp = '' | '=' | '>' | '<' | '>=' | '<=' | '@' | '%';

export interface OfflineCondition {
  op: FilterOp;
  field: OfflineField;
  /** already converted (TIMESTAMP_X: ms); an array for '@' */
  value: string | number | (string | number)[];
}

export interface OfflineOrder {
  field: OfflineField;
  dir: 'asc' | 'desc';
}

/** One application's queue (and source key: `auth_connector`). */
export interface QueueOf {
  appId: number;
  connectorId: string;
}

export type Conditions = { conditions: OfflineCondition[]; order: OfflineOrder[] };

/** An object's new state: its row's payload and when it changed. */
export interface OfflineState {
  messageId: string;
  event: string;
  changedAt: number;
  data: string;
  additional: string;
}

/**
 * Records an object's state: a waiting (unreserved) row of the same object only gets the new
 * state and time; otherwise a new row.
 */
export async function mergeOfflineEvent(db: Db, q: QueueOf, s: OfflineState): Promise<void> {
  const fields = { changed_at: s.changedAt, event_data: s.data, event_additional: s.additional };
  const res = await db
    .updateTable('event_offline')
    .set(fields)
    .where('message_id', '=', s.messageId)
    .where('app_id', '=', q.appId)
    .where('connector_id', '=', q.connectorId)
    .where('process_id', '=', '')
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) > 0) return;
  await db
    .insertInto('event_offline')
    .values({ ...fields, message_id: s.messageId, app_id: q.appId, event_name: s.event, connector_id: q.connectorId })
    .execute();
}

/** Applies the caller's filter to a query on event_offline. */
function narrow<QB extends { where(...args: any[]): any }>(qb: QB, conditions: OfflineCondition[], postgres: boolean): QB {
  let out = qb;
  for (const c of conditions) {
    // column names come from OFFLINE_COLUMNS only; Kysely cannot type a computed column name
    const col = OFFLINE_COLUMNS[c.field];
    if (c.op === '@') out = out.where(col, 'in', Array.isArray(c.value) ? (c.value.length ? c.value : [null]) : [c.value]);
    // LIKE as MySQL's default collation does it: case-insensitive (SQLite's LIKE is, for ASCII;
    // PostgreSQL needs ILIKE), on numbers too (as text)
    else if (c.op === '%') out = out.where(sql`cast(${sql.ref(col)} as text)`, postgres ? 'ilike' : 'like', `%${c.value}%`);
    else out = out.where(col, c.op === '' ? '=' : c.op, c.value);
  }
  return out;
}

/** A select of the app's rows narrowed by the caller's filter and sorted by its order (then ID). */
function selectRows(db: Db, q: QueueOf, { conditions, order }: Conditions) {
  let sel = narrow(db.selectFrom('event_offline').selectAll().where('app_id', '=', q.appId).where('connector_id', '=', q.connectorId), conditions, isPostgres(db));
  // text sorts byte-wise on both stores (SQLite's BINARY; PostgreSQL's "C" instead of the
  // database's collation)
  for (const o of order) {
    const col = OFFLINE_COLUMNS[o.field];
    sel = TEXT_FIELDS.has(o.field) && isPostgres(db) ? sel.orderBy(sql`${sql.ref(col)} collate "C"`, o.dir) : sel.orderBy(col, o.dir);
  }
  return sel.orderBy('id', 'asc');
}

/**
 * Reserves up to `limit` free rows (ERROR = `errors`) under `processId`; a parallel call reserves
 * others (calls run one transaction at a time).
 */
export async function reserveOfflineRows(db: Db, q: QueueOf, processId: string, errors: boolean, c: Conditions, limit: number): Promise<void> {
  const ids = (await selectRows(db, q, c).where('process_id', '=', '').where('error', '=', errors ? 1 : 0).limit(limit).execute()).map((r) => r.id);
  if (ids.length) await db.updateTable('event_offline').set({ process_id: processId }).where('id', 'in', ids).execute();
}

/** The rows of one process (ERROR = `errors`), at most `limit`. */
export function processRows(db: Db, q: QueueOf, processId: string, errors: boolean, c: Conditions, limit: number): Promise<OfflineRow[]> {
  return selectRows(db, q, c).where('process_id', '=', processId).where('error', '=', errors ? 1 : 0).limit(limit).execute();
}

/** A page of the app's queue and the total. */
export async function listOfflineRows(db: Db, q: QueueOf, c: Conditions, offset: number, limit: number): Promise<{ rows: OfflineRow[]; total: number }> {
  const rows = await selectRows(db, q, c).limit(limit).offset(offset).execute();
  const count = db.selectFrom('event_offline').select((eb) => eb.fn.countAll<number>().as('n')).where('app_id', '=', q.appId).where('connector_id', '=', q.connectorId);
  const { n } = await narrow(count, c.conditions, isPostgres(db)).executeTakeFirstOrThrow();
  return { rows, total: Number(n) };
}

/** Deletes a process's rows: all of them, or only those with these ids or message ids. */
export async function clearProcess(db: Db, q: QueueOf, processId: string, only?: { ids?: number[]; messageIds?: string[] }): Promise<void> {
  let del = db.deleteFrom('event_offline').where('app_id', '=', q.appId).where('connector_id', '=', q.connectorId).where('process_id', '=', processId);
  if (only?.ids) del = del.where('id', 'in', only.ids.length ? only.ids : [-1]);
  if (only?.messageIds) del = del.where('message_id', 'in', only.messageIds.length ? only.messageIds : ['']);
  await del.execute();
}

/**
 * The process's rows with these message ids go back to the queue, free and flagged ERROR=1; other
 * error-free copies of those objects (newer states waiting, or reserved by another process) are
 * dropped, and an older ERROR=1 row of the same object is replaced (the portal's unique key would
 * refuse the second one).
 */
export async function markErrors(db: Db, q: QueueOf, processId: string, messageIds: string[]): Promise<void> {
  if (messageIds.length === 0) return;
  const mine = () => db.deleteFrom('event_offline').where('app_id', '=', q.appId).where('connector_id', '=', q.connectorId).where('message_id', 'in', messageIds);
  await mine().where('error', '=', 0).where('process_id', '<>', processId).execute();
  const flagged = await db
    .selectFrom('event_offline')
    .select('message_id')
    .where('app_id', '=', q.appId)
    .where('connector_id', '=', q.connectorId)
    .where('message_id', 'in', messageIds)
    .where('process_id', '=', processId)
    .where('error', '=', 0)
    .execute();
  if (flagged.length === 0) return;
  await mine().where('error', '=', 1).where('process_id', '=', '').where('message_id', 'in', flagged.map((r) => r.message_id)).execute();
  await db
    .updateTable('event_offline')
    .set({ error: 1, process_id: '' })
    .where('app_id', '=', q.appId)
    .where('connector_id', '=', q.connectorId)
    .where('message_id', 'in', messageIds)
    .where('process_id', '=', processId)
    .where('error', '=', 0)
    .execute();
}

/** Every queued row of an application (all its connectors). */
export async function dropOfflineQueue(db: Db, appId: number): Promise<void> {
  await db.deleteFrom('event_offline').where('app_id', '=', appId).execute();
}

// ---- ONOFFLINEEVENT notices ----

/** When the binding's handler was last told its queue changed (null: never). */
export async function lastOfflineNotice(db: Db, bindingId: number): Promise<number | null> {
  const row = await db.selectFrom('event_offline_notices').select('sent_at').where('binding_id', '=', bindingId).executeTakeFirst();
  return row ? row.sent_at : null;
}

/** Records that the binding's handler was told at `at`. */
export async function recordOfflineNotice(db: Db, bindingId: number, at: number): Promise<void> {
  await db
    .insertInto('event_offline_notices')
    .values({ binding_id: bindingId, sent_at: at })
    .onConflict((oc) => oc.column('binding_id').doUpdateSet({ sent_at: at }))
    .execute();
}
