/**
 * Queries on `event_bindings` as events/ reads and writes them: an application's own bindings
 * (`event.bind` / `event.unbind` / `event.get`, api-reference/events/event-bind) and the lookups
 * the event writers make (which handlers of an owner hear an event). The rows v1 bot registration
 * writes for the same table are src/bots/bindings.ts's.
 */
import type { Insertable, Selectable } from 'kysely';
import { lockKey, type Db } from '../db.js';
import type { EventBindingsTable } from '../schema.js';

export type BindingRow = Selectable<EventBindingsTable>;

/** What makes two bindings the same (the portal's unique check). */
export interface BindingKey {
  appId: number;
  event: string;
  handler: string;
  userId: number;
  connectorId: string;
}

/**
 * Adds a binding unless the same app, event, handler, user and connector is bound already;
 * returns false then. Two binds at once: the second checks after the first has committed.
 */
export async function insertBindingOnce(db: Db, key: BindingKey, row: Omit<Insertable<EventBindingsTable>, 'app_id' | 'event_name' | 'handler_url' | 'user_id' | 'connector_id'>): Promise<boolean> {
  await lockKey(db, `event-binding:${key.appId}:${key.event}:${key.userId}:${key.connectorId}:${key.handler}`);
  const same = await db
    .selectFrom('event_bindings')
    .select('id')
    .where('app_id', '=', key.appId)
    .where('event_name', '=', key.event)
    .where('handler_url', '=', key.handler)
    .where('user_id', '=', key.userId)
    .where('connector_id', '=', key.connectorId)
    .executeTakeFirst();
  if (same) return false;
  await db
    .insertInto('event_bindings')
    .values({ ...row, app_id: key.appId, event_name: key.event, handler_url: key.handler, user_id: key.userId, connector_id: key.connectorId })
    .execute();
  return true;
}

export interface BindingMatch {
  appId: number;
  event: string;
  handler: string;
  /** only this connector's bindings */
  connectorId?: string;
  /** only this user's bindings */
  userId?: number;
}

/** Removes the matching bindings; returns how many. */
export async function deleteBindings(db: Db, m: BindingMatch): Promise<number> {
  let q = db.deleteFrom('event_bindings').where('app_id', '=', m.appId).where('event_name', '=', m.event).where('handler_url', '=', m.handler);
  if (m.connectorId !== undefined) q = q.where('connector_id', '=', m.connectorId);
  if (m.userId !== undefined) q = q.where('user_id', '=', m.userId);
  const res = await q.executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** An application's bindings in id order: all, or one user's, or those of one event. */
export function listAppBindings(db: Db, appId: number, only: { userId?: number; event?: string } = {}): Promise<BindingRow[]> {
  let q = db.selectFrom('event_bindings').selectAll().where('app_id', '=', appId);
  if (only.userId !== undefined) q = q.where('user_id', '=', only.userId);
  if (only.event !== undefined) q = q.where('event_name', '=', only.event);
  return q.orderBy('id').execute();
}

/**
 * The handlers of one owner for an event, in id order: an OAuth application's (`app_id` > 0, its
 * client id as application_token) or a webhook owner's (`app_id` 0, the webhook's token).
 * `onlineOnly` leaves out offline bindings.
 */
export function listOwnerBindings(db: Db, event: string, owner: { oauthClientId: string } | { webhookToken: string }, onlineOnly = false): Promise<BindingRow[]> {
  let q = db.selectFrom('event_bindings').selectAll().where('event_name', '=', event);
  if (onlineOnly) q = q.where('event_type', '=', 'online');
  q = 'oauthClientId' in owner ? q.where('app_id', '>', 0).where('application_token', '=', owner.oauthClientId) : q.where('app_id', '=', 0).where('application_token', '=', owner.webhookToken);
  return q.orderBy('id').execute();
}

/** Every binding's event, handler and owner token, in id order (the seed export). */
export function listBindingHandlers(db: Db): Promise<Pick<BindingRow, 'event_name' | 'handler_url' | 'application_token'>[]> {
  return db.selectFrom('event_bindings').select(['event_name', 'handler_url', 'application_token']).orderBy('id').execute();
}
