import type { DomainCtx } from '../context.js';
import { lockKey } from '../store/db.js';
import type { BindingRow } from './emit.js';

/**
 * An application's own event bindings (`event.bind` / `event.unbind` / `event.get`, rest-core.md
 * h.1) in `event_bindings`, next to the rows v1 bot registration writes for the same app
 * (src/bots/bindings.ts): both are the app's handlers, so `event.get` lists both.
 */
export class SubscriptionError extends Error {}

export interface NewSubscription {
  /** apps.id */
  appId: number;
  /** the app's client_id: what emit.ts matches a bot's owner against */
  clientId: string;
  event: string;
  /** '' for offline bindings */
  handler: string;
  /** the user whose tokens the handler gets (auth_type); 0 = whoever triggered the event */
  userId: number;
  offline: boolean;
  connectorId: string;
  options: Record<string, string | number>;
}

/** Adds a binding; the same app, event, handler, user and connector twice is refused. */
export async function subscribe(ctx: DomainCtx, s: NewSubscription): Promise<void> {
  // two binds of the same handler at once: the second checks after the first has committed
  await lockKey(ctx.db, `event-binding:${s.appId}:${s.event}:${s.userId}:${s.connectorId}:${s.handler}`);
  const same = await ctx.db
    .selectFrom('event_bindings')
    .select('id')
    .where('app_id', '=', s.appId)
    .where('event_name', '=', s.event)
    .where('handler_url', '=', s.handler)
    .where('user_id', '=', s.userId)
    .where('connector_id', '=', s.connectorId)
    .executeTakeFirst();
  // EventTable's unique check; the text after "Unable to set event handler: " is the portal's
  if (same) throw new SubscriptionError('Handler already binded');
  await ctx.db
    .insertInto('event_bindings')
    .values({
      event_name: s.event,
      handler_url: s.handler,
      app_id: s.appId,
      application_token: s.clientId,
      user_id: s.userId,
      auth_type: s.userId,
      event_type: s.offline ? 'offline' : 'online',
      connector_id: s.connectorId,
      options: JSON.stringify(s.options),
      created_at: ctx.clock.now(),
    })
    .execute();
}

export interface Unsubscription {
  appId: number;
  event: string;
  /** '' selects the offline bindings */
  handler: string;
  /** only these bindings' connector (offline) */
  connectorId?: string;
  /** only this user's bindings; undefined = every user's */
  userId?: number;
}

/** Removes the matching bindings; returns how many. */
export async function unsubscribe(ctx: DomainCtx, u: Unsubscription): Promise<number> {
  let q = ctx.db.deleteFrom('event_bindings').where('app_id', '=', u.appId).where('event_name', '=', u.event).where('handler_url', '=', u.handler);
  if (u.connectorId !== undefined) q = q.where('connector_id', '=', u.connectorId);
  if (u.userId !== undefined) q = q.where('user_id', '=', u.userId);
  const res = await q.executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** The app's bindings in id order; `userId` limits them to one user's (non-admin callers). */
export function subscriptionsOf(ctx: DomainCtx, appId: number, userId?: number): Promise<BindingRow[]> {
  let q = ctx.db.selectFrom('event_bindings').selectAll().where('app_id', '=', appId);
  if (userId !== undefined) q = q.where('user_id', '=', userId);
  return q.orderBy('id').execute();
}
