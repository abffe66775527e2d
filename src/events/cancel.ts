import type { Db } from '../store/db.js';
import { cancelPendingRow, cancelPendingRows, deliveryStatus } from '../store/repos/outbox.js';

/** `last_error` of a delivery the operator cancelled (console, control API, `events cancel`). */
export const CANCELLED_BY_OPERATOR = 'cancelled by the operator';

export type CancelOutcome = { cancelled: true } | { cancelled: false; status: string | null };

/**
 * Cancels a pending delivery (due, or waiting for a retry): it becomes `cancelled` and the worker
 * never sends it again (an attempt already on the wire still finishes, but its outcome no longer
 * moves the row, see recordAttempts). Anything else is left alone: `status` says what it is
 * (null: no such delivery).
 */
export async function cancelDelivery(db: Db, id: number): Promise<CancelOutcome> {
  if (await cancelPendingRow(db, id, CANCELLED_BY_OPERATOR)) return { cancelled: true };
  return { cancelled: false, status: (await deliveryStatus(db, id)) ?? null };
}

/** Cancels every pending delivery, or those to one handler URL; the ids it cancelled. */
export function cancelPendingDeliveries(db: Db, opts: { handler?: string } = {}): Promise<number[]> {
  return cancelPendingRows(db, opts.handler, CANCELLED_BY_OPERATOR);
}
