import { createHash, randomBytes } from 'node:crypto';
import type { DomainCtx } from '../context.js';
import * as repo from '../store/repos/offline-events.js';
import type { Conditions, OfflineRow, QueueOf } from '../store/repos/offline-events.js';

/**
 * The offline event queue (api-reference/events/offline-events, a portal's `EventOfflineTable`).
 * A row is one object in one state: its MESSAGE_ID is md5(EVENT_NAME|json(EVENT_DATA)), and an
 * event whose row is already waiting (unreserved) only moves that row's TIMESTAMP_X — the queue
 * keeps the latest state per object, not every change. Rows reserved by
 * `event.offline.get clear=0` carry a PROCESS_ID until cleared; `event.offline.error` puts rows
 * back flagged ERROR=1. The queries are in src/store/repos/offline-events.ts.
 */
export { OFFLINE_COLUMNS } from '../store/repos/offline-events.js';
export type { FilterOp, OfflineCondition, OfflineField, OfflineOrder, OfflineRow, QueueOf } from '../store/repos/offline-events.js';

export function messageIdOf(event: string, data: unknown): string {
  return createHash('md5').update(`${event}|${JSON.stringify(data)}`).digest('hex');
}

/** Records an event for the app, merging it into the object's waiting row. */
export async function queueOffline(ctx: DomainCtx, q: QueueOf, event: string, data: unknown, additional: unknown): Promise<void> {
  await repo.mergeOfflineEvent(ctx.db, q, {
    messageId: messageIdOf(event, data),
    event,
    changedAt: ctx.clock.now(),
    data: JSON.stringify(data),
    additional: JSON.stringify(additional),
  });
}

/**
 * Reserves up to `limit` free rows (ERROR = `errors`) under a new process id and returns it; a
 * parallel call reserves others (calls run one transaction at a time).
 */
export async function reserveRows(ctx: DomainCtx, q: QueueOf, errors: boolean, c: Conditions, limit: number): Promise<string> {
  const processId = randomBytes(16).toString('hex');
  await repo.reserveOfflineRows(ctx.db, q, processId, errors, c, limit);
  return processId;
}

/** The rows of one process (ERROR = `errors`), at most `limit`. */
export function processRows(ctx: DomainCtx, q: QueueOf, processId: string, errors: boolean, c: Conditions, limit: number): Promise<OfflineRow[]> {
  return repo.processRows(ctx.db, q, processId, errors, c, limit);
}

/** `event.offline.list`: a page of the app's queue and the total. */
export function listRows(ctx: DomainCtx, q: QueueOf, c: Conditions, offset: number, limit: number): Promise<{ rows: OfflineRow[]; total: number }> {
  return repo.listOfflineRows(ctx.db, q, c, offset, limit);
}

/** Deletes a process's rows: all of them, or only those with these ids or message ids. */
export function clearProcess(ctx: DomainCtx, q: QueueOf, processId: string, only?: { ids?: number[]; messageIds?: string[] }): Promise<void> {
  return repo.clearProcess(ctx.db, q, processId, only);
}

/**
 * `event.offline.error`: the process's rows with these message ids go back to the queue, free and
 * flagged ERROR=1; other error-free copies of those objects (newer states waiting, or reserved by
 * another process) are dropped, as the portal does.
 */
export function markErrors(ctx: DomainCtx, q: QueueOf, processId: string, messageIds: string[]): Promise<void> {
  return repo.markErrors(ctx.db, q, processId, messageIds);
}

/** An uninstalled app's queue goes with its bindings. */
export function dropQueue(ctx: DomainCtx, appId: number): Promise<void> {
  return repo.dropOfflineQueue(ctx.db, appId);
}
