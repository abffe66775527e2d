import { EventEmitter } from 'node:events';
import type { DomainCtx } from '../context.js';

/**
 * Rung when outbox rows were committed ('written', with the lanes written to; none named = scan
 * everything). Delivery workers listen and poll at once instead of waiting for their timer; a
 * worker of another portal in the same process only makes one spare poll. Rows written by
 * another process ring it through the store's change notifications (PostgreSQL; on SQLite the
 * poll timer finds them).
 */
export const outboxSignal = new EventEmitter();
outboxSignal.setMaxListeners(0);

/**
 * Wakes the delivery workers for `lanes` once the writing unit of work has committed: with a
 * pool of connections the worker's read runs on another connection and would not see the rows
 * before that.
 */
export function signalOutbox(ctx: Pick<DomainCtx, 'afterCommit'>, lanes: string[]): void {
  const ring = () => outboxSignal.emit('written', lanes);
  if (ctx.afterCommit) ctx.afterCommit(ring);
  else ring();
}
