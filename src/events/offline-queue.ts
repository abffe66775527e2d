import { createHash, randomBytes } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { DomainCtx } from '../context.js';
import { isPostgres } from '../store/db.js';
import type { EventOfflineTable } from '../store/schema.js';

/**
 * The offline event queue (rest-core.md h.2, a portal's `EventOfflineTable`). A row is one object
 * in one state: its MESSAGE_ID is md5(EVENT_NAME|json(EVENT_DATA)), and an event whose row is
 * already waiting (unreserved) only moves that row's TIMESTAMP_X — the queue keeps the latest
 * state per object, not every change. Rows reserved by `event.offline.get clear=0` carry a
 * PROCESS_ID until cleared; `event.offline.error` puts rows back flagged ERROR=1.
 */
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

export function messageIdOf(event: string, data: unknown): string {
  return createHash('md5').update(`${event}|${JSON.stringify(data)}`).digest('hex');
}

/** Records an event for the app, merging it into the object's waiting row. */
export async function queueOffline(ctx: DomainCtx, q: QueueOf, event: string, data: unknown, additional: unknown): Promise<void> {
  const messageId = messageIdOf(event, data);
  const now = ctx.clock.now();
  const fields = { changed_at: now, event_data: JSON.stringify(data), event_additional: JSON.stringify(additional) };
  const res = await ctx.db
    .updateTable('event_offline')
    .set(fields)
    .where('message_id', '=', messageId)
    .where('app_id', '=', q.appId)
    .where('connector_id', '=', q.connectorId)
    .where('process_id', '=', '')
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) > 0) return;
  await ctx.db
    .insertInto('event_offline')
    .values({ ...fields, message_id: messageId, app_id: q.appId, event_name: event, connector_id: q.connectorId })
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

type Conditions = { conditions: OfflineCondition[]; order: OfflineOrder[] };

/** A select of the app's rows narrowed by the caller's filter and sorted by its order (then ID). */
function selectRows(ctx: DomainCtx, q: QueueOf, { conditions, order }: Conditions) {
  let sel = narrow(ctx.db.selectFrom('event_offline').selectAll().where('app_id', '=', q.appId).where('connector_id', '=', q.connectorId), conditions, isPostgres(ctx.db));
  // text sorts byte-wise on both stores (SQLite's BINARY; PostgreSQL's "C" instead of the
  // database's collation)
  for (const o of order) {
    const col = OFFLINE_COLUMNS[o.field];
    sel = TEXT_FIELDS.has(o.field) && isPostgres(ctx.db) ? sel.orderBy(sql`${sql.ref(col)} collate "C"`, o.dir) : sel.orderBy(col, o.dir);
  }
  return sel.orderBy('id', 'asc');
}

/**
 * Reserves up to `limit` free rows (ERROR = `errors`) under a new process id and returns it; a
 * parallel call reserves others (calls run one transaction at a time).
 */
export async function reserveRows(ctx: DomainCtx, q: QueueOf, errors: boolean, c: Conditions, limit: number): Promise<string> {
  const processId = randomBytes(16).toString('hex');
  const ids = (await selectRows(ctx, q, c).where('process_id', '=', '').where('error', '=', errors ? 1 : 0).limit(limit).execute()).map((r) => r.id);
  if (ids.length) await ctx.db.updateTable('event_offline').set({ process_id: processId }).where('id', 'in', ids).execute();
  return processId;
}

/** The rows of one process (ERROR = `errors`), at most `limit`. */
export function processRows(ctx: DomainCtx, q: QueueOf, processId: string, errors: boolean, c: Conditions, limit: number): Promise<OfflineRow[]> {
  return selectRows(ctx, q, c).where('process_id', '=', processId).where('error', '=', errors ? 1 : 0).limit(limit).execute();
}

/** `event.offline.list`: a page of the app's queue and the total. */
export async function listRows(ctx: DomainCtx, q: QueueOf, c: Conditions, offset: number, limit: number): Promise<{ rows: OfflineRow[]; total: number }> {
  const rows = await selectRows(ctx, q, c).limit(limit).offset(offset).execute();
  const count = ctx.db.selectFrom('event_offline').select((eb) => eb.fn.countAll<number>().as('n')).where('app_id', '=', q.appId).where('connector_id', '=', q.connectorId);
  const { n } = await narrow(count, c.conditions, isPostgres(ctx.db)).executeTakeFirstOrThrow();
  return { rows, total: Number(n) };
}

/** Deletes a process's rows: all of them, or only those with these ids or message ids. */
export async function clearProcess(ctx: DomainCtx, q: QueueOf, processId: string, only?: { ids?: number[]; messageIds?: string[] }): Promise<void> {
  let del = ctx.db.deleteFrom('event_offline').where('app_id', '=', q.appId).where('connector_id', '=', q.connectorId).where('process_id', '=', processId);
  if (only?.ids) del = del.where('id', 'in', only.ids.length ? only.ids : [-1]);
  if (only?.messageIds) del = del.where('message_id', 'in', only.messageIds.length ? only.messageIds : ['']);
  await del.execute();
}

/**
 * `event.offline.error`: the process's rows with these message ids go back to the queue, free and
 * flagged ERROR=1; other error-free copies of those objects (newer states waiting, or reserved by
 * another process) are dropped, as the portal does. An older ERROR=1 row of the same object is
 * replaced (the portal's unique key would refuse the second one).
 */
export async function markErrors(ctx: DomainCtx, q: QueueOf, processId: string, messageIds: string[]): Promise<void> {
  if (messageIds.length === 0) return;
  const mine = () => ctx.db.deleteFrom('event_offline').where('app_id', '=', q.appId).where('connector_id', '=', q.connectorId).where('message_id', 'in', messageIds);
  await mine().where('error', '=', 0).where('process_id', '<>', processId).execute();
  const flagged = await ctx.db
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
  await ctx.db
    .updateTable('event_offline')
    .set({ error: 1, process_id: '' })
    .where('app_id', '=', q.appId)
    .where('connector_id', '=', q.connectorId)
    .where('message_id', 'in', messageIds)
    .where('process_id', '=', processId)
    .where('error', '=', 0)
    .execute();
}

/** An uninstalled app's queue goes with its bindings. */
export async function dropQueue(ctx: DomainCtx, appId: number): Promise<void> {
  await ctx.db.deleteFrom('event_offline').where('app_id', '=', appId).execute();
}
