import type { Selectable } from 'kysely';
import { lockKey, type Db } from '../store/db.js';
import type { EventOutboxTable } from '../store/schema.js';
import { encodePhpForm } from './form.js';

export type OutboxRow = Selectable<EventOutboxTable>;

/** A lane's oldest pending row: what the worker needs to know to start the lane. */
export type LaneHead = Pick<OutboxRow, 'id' | 'lane' | 'next_attempt_at'>;

/**
 * To be called before a transaction writes outbox rows. The worker sends a lane in outbox id
 * order and reads it past the last id it sent; under concurrent writers (PostgreSQL) an id drawn
 * earlier could commit later and arrive out of order. This lock (held to the end of the
 * transaction; nothing on SQLite, whose writers already take turns) makes outbox ids visible in
 * id order, so delivery order is commit order.
 */
export function orderOutboxWriters(db: Db): Promise<void> {
  return lockKey(db, 'event_outbox');
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

export interface Attempted {
  row: OutboxRow;
  result: AttemptResult;
  outcome: Outcome;
}

/**
 * Records finished attempts in one transaction and moves their rows on. Rows delivered with the
 * same HTTP status (nearly all of them) share one UPDATE; the others get one each.
 */
export async function recordAttempts(db: Db, done: Attempted[], now: number): Promise<void> {
  if (done.length === 0) return;
  const deliveredBy = new Map<number, number[]>(); // HTTP status → outbox ids
  await db.transaction().execute(async (trx) => {
    for (const { row, result: r, outcome } of done) {
      if (outcome.status === 'delivered' && r.error === '' && r.httpStatus !== null && row.attempts === 0) {
        deliveredBy.set(r.httpStatus, [...(deliveredBy.get(r.httpStatus) ?? []), row.id]);
        continue;
      }
      await trx
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
      await trx
        .updateTable('event_outbox')
        .set({ status: 'delivered', attempts: 1, last_status: httpStatus, last_error: '', delivered_at: now })
        .where('id', 'in', ids)
        .where('status', '=', 'pending')
        .execute();
    }
    await trx
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
  });
}

/** Puts a delivery back in its lane as due now (same event id; attempts keep counting). */
export async function resendDelivery(db: Db, id: number, now: number): Promise<boolean> {
  const res = await db.updateTable('event_outbox').set({ status: 'pending', next_attempt_at: now }).where('id', '=', id).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export interface LogFilter {
  /** only deliveries whose last attempt failed (given up, or waiting for a retry) */
  failed?: boolean;
  event?: string;
  id?: number;
  limit?: number;
}

export interface LogEntry {
  id: number;
  event_id: string;
  event: string;
  event_handler_id: number;
  handler_url: string;
  app: string;
  status: string;
  attempts: number;
  created_at: number;
  next_attempt_at: number | null;
  delivered_at: number | null;
  last_status: number | null;
  last_error: string;
  /** the exact form body sent */
  body: string;
  tries: { attempt: number; at: number; duration_ms: number; http_status: number | null; error: string; response: string }[];
}

/** The delivery log, newest first. */
export async function deliveryLog(db: Db, f: LogFilter = {}): Promise<LogEntry[]> {
  let q = db.selectFrom('event_outbox').selectAll();
  if (f.id !== undefined) q = q.where('id', '=', f.id);
  if (f.event) q = q.where('event_name', '=', f.event.toUpperCase());
  if (f.failed) q = q.where((eb) => eb.or([eb('status', '=', 'failed'), eb.and([eb('status', '=', 'pending'), eb('attempts', '>', 0)])]));
  const rows = await q.orderBy('id', 'desc').limit(f.limit ?? 100).execute();
  const attempts = rows.length
    ? await db.selectFrom('event_attempts').selectAll().where('outbox_id', 'in', rows.map((r) => r.id)).orderBy('attempt').execute()
    : [];
  return rows.map((r) => ({
    id: r.id,
    event_id: r.uid,
    event: r.event_name,
    event_handler_id: r.binding_id,
    handler_url: r.handler_url,
    app: r.lane,
    status: r.status,
    attempts: r.attempts,
    created_at: r.created_at,
    next_attempt_at: r.status === 'pending' ? r.next_attempt_at : null,
    delivered_at: r.delivered_at,
    last_status: r.last_status,
    last_error: r.last_error,
    body: encodePhpForm(JSON.parse(r.payload)),
    tries: attempts
      .filter((a) => a.outbox_id === r.id)
      .map((a) => ({ attempt: a.attempt, at: a.started_at, duration_ms: a.duration_ms, http_status: a.http_status, error: a.error, response: a.response })),
  }));
}
