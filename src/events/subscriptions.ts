import type { DomainCtx } from '../context.js';
import { deleteBindings, insertBindingOnce, listAppBindings, type BindingRow } from '../store/repos/event-bindings.js';

/**
 * An application's own event bindings (`event.bind` / `event.unbind` / `event.get`, api-reference/events/event-bind) in `event_bindings`, next to the rows v1 bot registration writes for the same app
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
  const added = await insertBindingOnce(
    ctx.db,
    { appId: s.appId, event: s.event, handler: s.handler, userId: s.userId, connectorId: s.connectorId },
    {
      application_token: s.clientId,
      auth_type: s.userId,
      event_type: s.offline ? 'offline' : 'online',
      options: JSON.stringify(s.options),
      created_at: ctx.clock.now(),
    },
  );
  // EventTable's unique check; the text after "Unable to set event handler: " is the portal's
  if (!added) throw new SubscriptionError('Handler already binded');
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
export function unsubscribe(ctx: DomainCtx, u: Unsubscription): Promise<number> {
  return deleteBindings(ctx.db, u);
}

/** The app's bindings in id order; `userId` limits them to one user's (non-admin callers). */
export function subscriptionsOf(ctx: DomainCtx, appId: number, userId?: number): Promise<BindingRow[]> {
  return listAppBindings(ctx.db, appId, { userId });
}
