import type { Transaction } from 'kysely';
import { appByClientId, bareEventAuth, eventAuth, issueTokens, portalEndpoints, userMayUse, type AppRow } from '../auth/oauth.js';
import type { DomainCtx } from '../context.js';
import type { Schema } from '../store/schema.js';
import { SENDS_REFRESH_TOKEN } from './catalogue.js';
import { queueOffline } from './offline-queue.js';
import { listAppBindings, type BindingRow } from '../store/repos/event-bindings.js';
import { lastOfflineNotice, recordOfflineNotice } from '../store/repos/offline-events.js';
import { writeDelivery } from './outbox.js';
import { signalOutbox } from './signal.js';

/**
 * Application events (ONAPPTEST, ONAPPUNINSTALL, ONOFFLINEEVENT, …) and the offline side of every
 * event: an online binding gets an outbox row (delivered by the worker, shown in the delivery
 * log), an offline binding a row in the app's offline queue — both in the caller's transaction.
 */

export interface OutboxEntry {
  binding: BindingRow;
  /** the ordering lane: the app's client_id */
  lane: string;
  data: Record<string, unknown>;
  auth: Record<string, string>;
  /** due at once whatever the server's clock says (the CLI writes with its own clock) */
  dueNow?: boolean;
}

/** One outbox row with the exact body (api-reference/events/index.md: event, event_handler_id, data, ts, auth). */
export async function writeOutbox(ctx: DomainCtx, e: OutboxEntry): Promise<void> {
  const now = ctx.clock.now();
  const body = { event: e.binding.event_name, event_handler_id: e.binding.id, data: e.data, ts: Math.floor(now / 1000), auth: e.auth };
  await writeDelivery(ctx, { event: e.binding.event_name, bindingId: e.binding.id, lane: e.lane, handlerUrl: e.binding.handler_url, body, dueAt: e.dueNow ? 0 : now });
  signalOutbox(ctx, [e.lane]);
}

/**
 * The `auth` block of an app event for `userId` (the binding's auth_type user wins): the user's
 * fresh pair (refresh_token for the events that send it), or the no-token block without a user
 * or for a user the app is not open to.
 */
export async function appEventAuth(ctx: DomainCtx, app: AppRow, binding: BindingRow, userId: number | null): Promise<Record<string, string>> {
  const user = binding.user_id > 0 ? binding.user_id : userId;
  if (!user || !userMayUse(app, user)) return bareEventAuth(ctx, app);
  const tokens = await issueTokens(ctx, app, user, app.scope, portalEndpoints(ctx));
  return eventAuth(tokens, app, ctx, SENDS_REFRESH_TOKEN.has(binding.event_name));
}

export function appBindingsFor(ctx: DomainCtx, appId: number, event: string): Promise<BindingRow[]> {
  return listAppBindings(ctx.db, appId, { event });
}

/** Fires an app event to each of the app's bindings for it, online or offline. */
export async function fireAppEvent(ctx: DomainCtx, app: AppRow, event: string, data: Record<string, unknown>, userId: number | null): Promise<number> {
  const bindings = await appBindingsFor(ctx, app.id, event);
  for (const binding of bindings) {
    if (binding.event_type === 'offline') await toOfflineQueue(ctx, binding, data, userId);
    else await writeOutbox(ctx, { binding, lane: app.client_id, data, auth: await appEventAuth(ctx, app, binding, userId) });
  }
  return bindings.length;
}

/**
 * An event for an offline binding: queued for `event.offline.*` (EVENT_ADDITIONAL carries the
 * triggering user), then the app's ONOFFLINEEVENT handlers are told the queue changed.
 */
export async function toOfflineQueue(ctx: DomainCtx, binding: BindingRow, data: unknown, userId: number | null): Promise<void> {
  // EVENT_ADDITIONAL: the portal keeps the event's auth and shows only {user_id}; [] without a user
  await queueOffline(ctx, { appId: binding.app_id, connectorId: binding.connector_id }, binding.event_name, data, userId ? { user_id: userId } : []);
  await notifyOfflineHandlers(ctx, binding.app_id, userId);
}

/** ONOFFLINEEVENT handlers already notified within a call (`minTimeout` 0 = once per call). */
const notifiedInCall = new WeakMap<Transaction<Schema>, Set<number>>();

/**
 * ONOFFLINEEVENT (api-reference/events/on-offline-event.md): each online handler of the app
 * hears that its queue changed — `data` empty, `auth` with refresh_token — at most once per
 * `options.minTimeout` seconds (default 1, portal clock); with 0, once per REST call.
 */
async function notifyOfflineHandlers(ctx: DomainCtx, appId: number, userId: number | null): Promise<void> {
  const handlers = (await appBindingsFor(ctx, appId, 'ONOFFLINEEVENT')).filter((b) => b.event_type === 'online');
  if (handlers.length === 0) return;
  // an application's bindings carry its client id as application_token
  const app = await appByClientId(ctx.db, handlers[0]!.application_token);
  if (!app || app.id !== appId || !app.active) return;
  for (const binding of handlers) {
    if (!(await mayNotify(ctx, binding))) continue;
    await writeOutbox(ctx, { binding, lane: app.client_id, data: {}, auth: await appEventAuth(ctx, app, binding, userId) });
  }
}

async function mayNotify(ctx: DomainCtx, binding: BindingRow): Promise<boolean> {
  const raw = (JSON.parse(binding.options || '{}') as { minTimeout?: number }).minTimeout;
  const timeoutMs = (raw ?? 1) * 1000;
  const now = ctx.clock.now();
  if (timeoutMs <= 0) {
    const trx = (ctx.db as Transaction<Schema>).isTransaction ? (ctx.db as Transaction<Schema>) : null;
    if (!trx) return true; // outside a call's transaction there is no "call" to count in
    const seen = notifiedInCall.get(trx) ?? new Set<number>();
    notifiedInCall.set(trx, seen);
    if (seen.has(binding.id)) return false;
    seen.add(binding.id);
    return true;
  }
  const last = await lastOfflineNotice(ctx.db, binding.id);
  if (last !== null && now - last < timeoutMs) return false;
  await recordOfflineNotice(ctx.db, binding.id, now);
  return true;
}
