/**
 * Queries on event delivery: `event_outbox` (one row per POST to a handler, ordered per lane) and
 * `event_attempts` (one row per try). No delivery rules here: the worker (src/events/worker.ts)
 * decides what is sent when and what an attempt's outcome is.
 */
import { sql, type Insertable, type Selectable } from 'kysely';
import { lockKey, type Db } from '../db.js';
import type { EventAttemptsTable, EventOutboxTable } from '../schema.js';

export type OutboxRow = Selectable<EventOutboxTable>;
export type AttemptRow = Selectable<EventAttemptsTable>;

/** A lane's oldest pending row: what the worker needs to know to start the lane. */
export type LaneHead = Pick<OutboxRow, 'id' | 'lane' | 'next_attempt_at'>;

/** What a delivery is when it is written (the rest of the row is its delivery state). */
export type NewDelivery = Pick<Insertable<EventOutboxTable>, 'uid' | 'event_name' | 'binding_id' | 'lane' | 'handler_url' | 'payload' | 'created_at' | 'next_attempt_at'>;

/**
 * Writes one outbox row. Call inside the transaction of the change that caused the event.
 *
 * The worker sends a lane in outbox id order and reads it past the last id it sent; under
 * concurrent writers (PostgreSQL) an id drawn earlier could commit later and arrive out of order.
 * The lock taken first (held to the end of the transaction; nothing on SQLite, whose writers
 * already take turns) makes outbox ids visible in id order, so delivery order is commit order.
 */
export async function insertDelivery(db: Db, row: NewDelivery): Promise<void> {
  await lockKey(db, 'event_outbox');
  await db.insertInto('event_outbox').values(row).execute();
}

/**
 * The oldest pending row of every lane: the only one of its lane that may be sent now. One index
 * probe per lane on (status, lane, id) — a GROUP BY would read every pending row, and a dead
 * handler's backlog would then slow down every call that writes an event.
 */
export async function laneHeads(db: Db): Promise<LaneHead[]> {
  const heads: LaneHead[] = [];
  for (let after: string | null = null; ; ) {
    let q = db.selectFrom('event_outbox').select(['id', 'lane', 'next_attempt_at']).where('status', '=', 'pending');
    if (after !== null) q = q.where('lane', '>', after);
    const head = await q.orderBy('lane').orderBy('id').limit(1).executeTakeFirst();
    if (!head) return heads.sort((a, b) => a.id - b.id);
    heads.push(head);
    after = head.lane;
  }
}

/** The next pending rows of one lane after outbox id `afterId`, oldest first. */
export function laneBatch(db: Db, lane: string, afterId: number, limit: number): Promise<OutboxRow[]> {
  return db
    .selectFrom('event_outbox')
    .selectAll()
    .where('status', '=', 'pending')
    .where('lane', '=', lane)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

export interface AttemptResult {
  startedAt: number;
  durationMs: number;
  httpStatus: number | null;
  error: string;
  response: string;
}

/** What happens to a row after an attempt: delivered, given up, or tried again at `retryAt`. */
export type Outcome = { status: 'delivered' | 'failed' } | { status: 'pending'; retryAt: number };

/** One finished attempt of a row and the state the row moves to. */
export interface Attempted {
  row: OutboxRow;
  result: AttemptResult;
  outcome: Outcome;
}

/**
 * Records finished attempts in one transaction (the caller's, or one of its own) and moves their
 * rows on. First-try deliveries with the same HTTP status (nearly all of them) share one UPDATE;
 * the others get one each.
 */
export async function recordAttempts(db: Db, done: Attempted[], now: number): Promise<void> {
  if (done.length === 0) return;
  if (!db.isTransaction) return db.transaction().execute((trx) => recordAttempts(trx, done, now));
  const deliveredBy = new Map<number, number[]>(); // HTTP status → outbox ids
  for (const { row, result: r, outcome } of done) {
    if (outcome.status === 'delivered' && r.error === '' && r.httpStatus !== null && row.attempts === 0) {
      deliveredBy.set(r.httpStatus, [...(deliveredBy.get(r.httpStatus) ?? []), row.id]);
      continue;
    }
    await db
      .updateTable('event_outbox')
      .set({
        status: outcome.status,
        attempts: row.attempts + 1,
        last_status: r.httpStatus,
        last_error: r.error,
        delivered_at: outcome.status === 'delivered' ? now : null,
        next_attempt_at: outcome.status === 'pending' ? outcome.retryAt : row.next_attempt_at,
      })
      .where('id', '=', row.id)
      .where('status', '=', 'pending') // cancelled while on the wire: stays cancelled
      .execute();
  }
  for (const [httpStatus, ids] of deliveredBy) {
    await db
      .updateTable('event_outbox')
      .set({ status: 'delivered', attempts: 1, last_status: httpStatus, last_error: '', delivered_at: now })
      .where('id', 'in', ids)
      .where('status', '=', 'pending')
      .execute();
  }
  await db
    .insertInto('event_attempts')
    .values(
      done.map(({ row, result: r }) => ({
        outbox_id: row.id,
        attempt: row.attempts + 1,
        started_at: r.startedAt,
        duration_ms: r.durationMs,
        http_status: r.httpStatus,
        error: r.error,
        response: r.response,
      })),
    )
    .execute();
}

/** Puts a delivery back in its lane as due `now` (same event id; attempts keep counting). */
export async function resendDelivery(db: Db, id: number, now: number): Promise<boolean> {
  const res = await db.updateTable('event_outbox').set({ status: 'pending', next_attempt_at: now }).where('id', '=', id).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Every pending delivery becomes `cancelled` with `reason` (a restored or reset portal). */
export async function cancelPendingDeliveries(db: Db, reason: string): Promise<void> {
  await db.updateTable('event_outbox').set({ status: 'cancelled', last_error: reason }).where('status', '=', 'pending').execute();
}

export interface DeliveryFilter {
  /** only deliveries whose last attempt failed (given up, or waiting for a retry) */
  failed?: boolean;
  /** the event name as stored (upper case) */
  event?: string;
  id?: number;
  limit: number;
}

/** Deliveries newest first, each with its attempts in attempt order. */
export async function listDeliveries(db: Db, f: DeliveryFilter): Promise<{ row: OutboxRow; attempts: AttemptRow[] }[]> {
  let q = db.selectFrom('event_outbox').selectAll();
  if (f.id !== undefined) q = q.where('id', '=', f.id);
  if (f.event) q = q.where('event_name', '=', f.event);
  if (f.failed) q = q.where((eb) => eb.or([eb('status', '=', 'failed'), eb.and([eb('status', '=', 'pending'), eb('attempts', '>', 0)])]));
  const rows = await q.orderBy('id', 'desc').limit(f.limit).execute();
  const attempts = rows.length
    ? await db.selectFrom('event_attempts').selectAll().where('outbox_id', 'in', rows.map((r) => r.id)).orderBy('attempt').execute()
    : [];
  return rows.map((row) => ({ row, attempts: attempts.filter((a) => a.outbox_id === row.id) }));
}

// ---- cancelling pending deliveries (the console, `events cancel`) ----

/** A delivery's status (`pending`, `delivered`, `failed`, `cancelled`), or undefined for no such row. */
export async function deliveryStatus(db: Db, id: number): Promise<string | undefined> {
  const row = await db.selectFrom('event_outbox').select('status').where('id', '=', id).executeTakeFirst();
  return row?.status;
}

/** Marks one row cancelled if it is still pending; false when it was not (or is not there). */
export async function cancelPendingRow(db: Db, id: number, reason: string): Promise<boolean> {
  const res = await db.updateTable('event_outbox').set({ status: 'cancelled', last_error: reason }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/**
 * Marks every pending row cancelled — only those to `handlerUrl` when given: that URL exactly, or
 * with any query after it (a webhook bot's `?CLIENT_ID=…`). Their ids, ascending.
 */
export async function cancelPendingRows(db: Db, handlerUrl: string | undefined, reason: string): Promise<number[]> {
  let q = db.updateTable('event_outbox').set({ status: 'cancelled', last_error: reason }).where('status', '=', 'pending');
  if (handlerUrl !== undefined) {
    const withQuery = `${handlerUrl}?`;
    q = q.where((eb) => eb.or([eb('handler_url', '=', handlerUrl), eb(sql<string>`substr(handler_url, 1, ${withQuery.length})`, '=', withQuery)]));
  }
  const rows = await q.returning('id').execute();
  return rows.map((r) => r.id).sort((a, b) => a - b);
}
