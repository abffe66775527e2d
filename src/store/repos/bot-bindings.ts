/**
 * Queries on the `event_bindings` rows that bot registration and application installs write
 * for their owner (not through `event.bind`): an owner's one handler per event (v1 bot handlers,
 * ONIMCOMMANDADD, ONAPPINSTALL / ONAPPUNINSTALL) and the ONIMBOTV2* subscriptions of webhook-mode
 * v2 bots. An owner is (`app_id`, `application_token`): an OAuth app's id and client id, or 0 and
 * a webhook owner's token.
 */
import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../db.js';
import type { EventBindingsTable } from '../schema.js';

export type EventBindingRow = Selectable<EventBindingsTable>;
export type NewEventBindingRow = Insertable<EventBindingsTable>;

export interface BindingOwner {
  appId: number;
  token: string;
}

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
export function listOwnerHandlers(db: Db, owner: BindingOwner, events?: readonly string[]): Promise<Pick<EventBindingRow, 'id' | 'event_name' | 'handler_url'>[]> {
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

export async function insertBindings(db: Db, rows: NewEventBindingRow[]): Promise<void> {
  if (rows.length) await db.insertInto('event_bindings').values(rows).execute();
}

/** An application's bindings of one event (any token, any type) in id order. */
export function listAppEventBindings(db: Db, appId: number, event: string): Promise<EventBindingRow[]> {
  return db.selectFrom('event_bindings').selectAll().where('app_id', '=', appId).where('event_name', '=', event).orderBy('id').execute();
}

/** Makes `url` an application's one binding of `event` (all its rows for the event go first); returns the new row. */
export async function replaceAppEventBinding(db: Db, app: BindingOwner, event: string, url: string, now: number): Promise<EventBindingRow> {
  await db.deleteFrom('event_bindings').where('app_id', '=', app.appId).where('event_name', '=', event).execute();
  await db.insertInto('event_bindings').values({ event_name: event, handler_url: url, app_id: app.appId, application_token: app.token, user_id: 0, created_at: now }).execute();
  return (await listAppEventBindings(db, app.appId, event))[0]!;
}

/** Every binding of an application goes (uninstall). */
export async function deleteAppBindings(db: Db, appId: number): Promise<void> {
  await db.deleteFrom('event_bindings').where('app_id', '=', appId).execute();
}
