/**
 * The one owner of `event_bindings`: every row of it, whoever asks for it.
 *
 * - Bindings an application makes itself (`event.bind` / `event.unbind` / `event.get`,
 *   api-reference/events/event-bind) and the lookups the event writers make (which handlers of
 *   an owner hear an event).
 * - Bindings bot registration and application installs write for their owner (not through
 *   `event.bind`): an owner's one handler per event (v1 bot handlers, ONIMCOMMANDADD,
 *   ONAPPINSTALL / ONAPPUNINSTALL) and the ONIMBOTV2* subscriptions of webhook-mode v2 bots.
 *
 * An owner is (`app_id`, `application_token`): an OAuth app's id and client id, or 0 and a
 * webhook owner's token.
 */
import type { Insertable, Selectable } from 'kysely';
import { lockKey, type Db } from '../db.js';
import type { EventBindingsTable } from '../schema.js';

export type BindingRow = Selectable<EventBindingsTable>;
export type NewBindingRow = Insertable<EventBindingsTable>;

export interface BindingOwner {
  appId: number;
  token: string;
}

// ---- an application's own bindings (event.bind / event.unbind / event.get) ----

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

// ---- bindings written for an owner (bot registration, v2 subscriptions, app installs) ----

/**
 * Makes `url` the owner's one online handler of `event`: its previous online rows for the event
 * go, a new row comes (user 0).
 */
export async function replaceOwnerHandler(db: Db, owner: BindingOwner, event: string, url: string, now: number): Promise<void> {
  await db
    .deleteFrom('event_bindings')
    .where('event_name', '=', event)
    .where('app_id', '=', owner.appId)
    .where('application_token', '=', owner.token)
    .where('event_type', '=', 'online')
    .execute();
  await db.insertInto('event_bindings').values({ event_name: event, handler_url: url, app_id: owner.appId, application_token: owner.token, user_id: 0, created_at: now }).execute();
}

/** An owner's bindings (id, event, handler) in id order; `events` limits them to those names. */
export function listOwnerHandlers(db: Db, owner: BindingOwner, events?: readonly string[]): Promise<Pick<BindingRow, 'id' | 'event_name' | 'handler_url'>[]> {
  let q = db.selectFrom('event_bindings').select(['id', 'event_name', 'handler_url']).where('app_id', '=', owner.appId).where('application_token', '=', owner.token);
  if (events) q = q.where('event_name', 'in', [...events]);
  return q.orderBy('id').execute();
}

/** Removes an owner's bindings of these events. */
export async function deleteOwnerHandlers(db: Db, owner: BindingOwner, events: readonly string[]): Promise<void> {
  await db.deleteFrom('event_bindings').where('app_id', '=', owner.appId).where('application_token', '=', owner.token).where('event_name', 'in', [...events]).execute();
}

/** Moves an owner's bindings of these events to another token (same `app_id`). */
export async function retokenOwnerHandlers(db: Db, owner: BindingOwner, events: readonly string[], token: string): Promise<void> {
  await db
    .updateTable('event_bindings')
    .set({ application_token: token })
    .where('app_id', '=', owner.appId)
    .where('application_token', '=', owner.token)
    .where('event_name', 'in', [...events])
    .execute();
}

export async function deleteBindingsById(db: Db, ids: number[]): Promise<void> {
  if (ids.length) await db.deleteFrom('event_bindings').where('id', 'in', ids).execute();
}

export async function insertBindings(db: Db, rows: NewBindingRow[]): Promise<void> {
  if (rows.length) await db.insertInto('event_bindings').values(rows).execute();
}

/** An application's bindings of one event (any token, any type) in id order. */
export function listAppEventBindings(db: Db, appId: number, event: string): Promise<BindingRow[]> {
  return db.selectFrom('event_bindings').selectAll().where('app_id', '=', appId).where('event_name', '=', event).orderBy('id').execute();
}

/** Makes `url` an application's one binding of `event` (all its rows for the event go first); returns the new row. */
export async function replaceAppEventBinding(db: Db, app: BindingOwner, event: string, url: string, now: number): Promise<BindingRow> {
  await db.deleteFrom('event_bindings').where('app_id', '=', app.appId).where('event_name', '=', event).execute();
  await db.insertInto('event_bindings').values({ event_name: event, handler_url: url, app_id: app.appId, application_token: app.token, user_id: 0, created_at: now }).execute();
  return (await listAppEventBindings(db, app.appId, event))[0]!;
}

/** Every binding of an application goes (uninstall). */
export async function deleteAppBindings(db: Db, appId: number): Promise<void> {
  await db.deleteFrom('event_bindings').where('app_id', '=', appId).execute();
}

/** The handlers bound for bot events (ONIMBOT*, ONIMCOMMANDADD), by application token. */
export function botHandlerRows(db: Db) {
  return db
    .selectFrom('event_bindings')
    .select(['event_name', 'handler_url', 'application_token'])
    .where((eb) => eb.or([eb('event_name', 'like', 'ONIMBOT%'), eb('event_name', '=', 'ONIMCOMMANDADD')]))
    .execute();
}
