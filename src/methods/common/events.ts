import { GLOBAL_SCOPE } from '../../auth/scopes.js';
import { handlerUrlProblem } from '../../bots/handlers.js';
import { fireAppEvent } from '../../events/app-events.js';
import { EVENT_SCOPES, eventTraits, eventsOfScopes, isBindable } from '../../events/catalogue.js';
import { subscribe, subscriptionsOf, SubscriptionError, unsubscribe, type Unsubscription } from '../../events/subscriptions.js';
import { accessDenied, RestError } from '../../rest/errors.js';
import { idval, intval, isPhpArray, phpBool, phpString, upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { appCaller, argumentError, argumentNull, isset } from './events-args.js';
import { findApp } from '../../store/repos/apps.js';

/*
 * `events`, `event.bind`, `event.unbind`, `event.get`, `event.test` (api-reference/events/*):
 * checks in the order a portal's `Bitrix\Rest\Api\Event` makes them.
 * `auth_connector` is not supported: bindings and queues always have the empty source key.
 */

const EVENT_TYPES = ['online', 'offline'];
const wrongEventType = () => argumentError('Value must be one of {online|offline}', 'EVENT_TYPE');

/** `event_type`: '' = online; anything but online/offline is refused. */
function eventTypeOf(raw: unknown): 'online' | 'offline' {
  const type = phpString(raw).toLowerCase();
  if (type === '') return 'online';
  if (!EVENT_TYPES.includes(type)) throw wrongEventType();
  return type as 'online' | 'offline';
}

/** The handler URL rules of the portal (`cloud`) or the lenient `dev` ones (src/bots/handlers.ts). */
async function checkHandler(call: MethodCall, url: string): Promise<void> {
  const problem = await handlerUrlProblem(url, call.ctx);
  if (problem === 'Wrong handler URL') throw new RestError('ERROR_WRONG_HANDLER_URL', problem);
  if (problem) throw new RestError('ERROR_UNSUPPORTED_PROTOCOL', problem);
}

/** `options`: only what the event allows, cast to its type (ONOFFLINEEVENT: minTimeout int). */
function optionsOf(event: string, raw: unknown): Record<string, string | number> {
  const given = isPhpArray(raw) && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const out: Record<string, string | number> = {};
  for (const [code, type] of Object.entries(eventTraits(event).options ?? {})) {
    if (!isset(given[code])) continue;
    if (type === 'int') out[code] = intval(given[code]);
    else if (typeof given[code] === 'string') out[code] = given[code] as string;
  }
  return out;
}

async function eventBind(call: MethodCall): Promise<true> {
  const caller = appCaller(call);
  const q = upperKeys(call.params);
  const event = phpString(q.EVENT).toUpperCase();
  let handler = phpString(q.HANDLER);
  let userId = idval(q.AUTH_TYPE);
  if (userId > 0) {
    if (!caller.isAdmin && userId !== caller.userId) throw accessDenied('Event binding with AUTH_TYPE requires administrator access rights');
  } else if (!caller.isAdmin) {
    userId = caller.userId; // a user's handler gets that user's tokens
  }
  if (event === '') throw argumentNull('EVENT');
  const type = eventTypeOf(q.EVENT_TYPE);
  if (type === 'offline') {
    if (!caller.isAdmin) throw accessDenied('Offline events binding requires administrator access rights');
    handler = '';
    userId = 0;
  } else if (handler === '') {
    throw argumentNull('HANDLER');
  }
  if (handler !== '') await checkHandler(call, handler);
  if (!isBindable(event, caller.scopes)) throw new RestError('ERROR_EVENT_NOT_FOUND', 'Event not found');
  if (type === 'offline' && eventTraits(event).disableOffline) throw argumentError('Offline event cannot be registered for this event.');
  try {
    await subscribe(call.ctx, {
      appId: caller.appId,
      clientId: caller.clientId,
      event,
      handler,
      userId,
      offline: type === 'offline',
      connectorId: '',
      options: optionsOf(event, q.OPTIONS),
    });
  } catch (err) {
    if (err instanceof SubscriptionError) throw new RestError('ERROR_CORE', `Unable to set event handler: ${err.message}`);
    throw err;
  }
  return true;
}

async function eventUnbind(call: MethodCall): Promise<{ count: number }> {
  const caller = appCaller(call);
  const q = upperKeys(call.params);
  const event = phpString(q.EVENT).toUpperCase();
  let handler = phpString(q.HANDLER);
  if (event === '') throw argumentNull('EVENT');
  const type = eventTypeOf(q.EVENT_TYPE);
  if (type === 'offline') {
    if (!caller.isAdmin) throw accessDenied('Offline events unbinding requires administrator access rights');
    handler = '';
  } else if (handler === '') {
    throw argumentNull('HANDLER');
  }
  const which: Unsubscription = { appId: caller.appId, event, handler };
  if (type === 'offline') which.connectorId = '';
  else if (isset(q.AUTH_TYPE)) {
    // The portal compares the raw parameter to the user id with `!==`: a form value is a string
    // and never equal, so only a JSON number equal to the caller's own id gets past it.
    if (!caller.isAdmin && q.AUTH_TYPE !== caller.userId) throw accessDenied('Event unbinding with AUTH_TYPE requires administrator access rights');
    which.userId = idval(q.AUTH_TYPE);
  } else if (!caller.isAdmin) {
    which.userId = caller.userId;
  }
  return { count: await unsubscribe(call.ctx, which) };
}

/**
 * `event.get`: the app's handlers in id order — those it bound and those its v1 bots' registration
 * bound (a portal keeps both in one table); a non-admin sees only their own.
 */
async function eventGet(call: MethodCall): Promise<unknown[]> {
  const caller = appCaller(call);
  const rows = await subscriptionsOf(call.ctx, caller.appId, caller.isAdmin ? undefined : caller.userId);
  return rows.map((b) =>
    b.handler_url !== ''
      ? { event: b.event_name, handler: b.handler_url, auth_type: String(b.user_id), offline: 0 }
      : { event: b.event_name, connector_id: b.connector_id, offline: 1 },
  );
}

/** `events`: SCOPE (''= the common ones) > FULL > the token's scopes, always in description order. */
function events(call: MethodCall): string[] {
  const caller = appCaller(call);
  const q = upperKeys(call.params);
  let scopes: readonly string[];
  if (isset(q.SCOPE)) scopes = phpString(q.SCOPE) !== '' ? [phpString(q.SCOPE)] : [GLOBAL_SCOPE];
  else if (phpBool(q.FULL)) scopes = EVENT_SCOPES;
  else scopes = [...caller.scopes, GLOBAL_SCOPE];
  return eventsOfScopes(scopes);
}

/** `event.test`: ONAPPTEST to the app's handlers with data {QUERY: <params>, LANGUAGE_ID}; answers 1. */
async function eventTest(call: MethodCall): Promise<number> {
  const caller = appCaller(call);
  const app = await findApp(call.ctx.db, caller.appId);
  if (!app) throw new Error(`no application ${caller.appId}`);
  await fireAppEvent(call.ctx, app, 'ONAPPTEST', { QUERY: call.params, LANGUAGE_ID: call.ctx.portal.languageId }, caller.userId);
  return 1;
}

export const eventMethods: MethodSpec[] = [
  { name: 'events', scope: GLOBAL_SCOPE, handler: events },
  { name: 'event.bind', scope: GLOBAL_SCOPE, write: true, handler: eventBind },
  { name: 'event.unbind', scope: GLOBAL_SCOPE, write: true, handler: eventUnbind },
  { name: 'event.get', scope: GLOBAL_SCOPE, handler: eventGet },
  { name: 'event.test', scope: GLOBAL_SCOPE, write: true, handler: eventTest },
];
