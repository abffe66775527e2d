/** Queries on `event_outbox` for cancelling deliveries (the console, `events cancel`). */
import { sql } from 'kysely';
import type { Db } from '../db.js';

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
