import { GLOBAL_SCOPE } from '../auth/scopes.js';

/**
 * The events an application may bind with `event.bind` and that `events` lists, per REST scope
 * (a portal's `CRestUtil::EVENTS` entries of each scope's service description). Only scopes this
 * server serves have events; `_global` (every token) comes first, as on a portal.
 */
const SCOPE_EVENTS: Record<string, readonly string[]> = {
  [GLOBAL_SCOPE]: ['ONAPPUNINSTALL', 'ONAPPINSTALL', 'ONAPPUPDATE', 'ONAPPPAYMENT', 'ONAPPTEST', 'ONAPPMETHODCONFIRM', 'ONOFFLINEEVENT'],
  imbot: [
    'ONIMBOTMESSAGEADD', 'ONIMBOTMESSAGEUPDATE', 'ONIMBOTMESSAGEDELETE', 'ONIMBOTJOINCHAT', 'ONIMBOTDELETE', 'ONIMCOMMANDADD',
    'ONIMBOTCONTEXTGET',
    // imbot v2 (api-reference/chat-bots/chat-bots-v2/imbot.v2/events/index.md): bindable; their delivery is the v2 engine's business
    'ONIMBOTV2MESSAGEADD', 'ONIMBOTV2MESSAGEUPDATE', 'ONIMBOTV2MESSAGEDELETE', 'ONIMBOTV2REACTIONCHANGE',
    'ONIMBOTV2COMMANDADD', 'ONIMBOTV2JOINCHAT', 'ONIMBOTV2CONTEXTGET', 'ONIMBOTV2DELETE',
  ],
};

/** What a portal's event description says beyond the name (`disableOffline`, `allowOptions`). */
interface EventTraits {
  /** cannot be bound with event_type=offline ("Offline event cannot be registered for this event.") */
  disableOffline?: boolean;
  /** options kept from event.bind's `options`, with their type (others are dropped) */
  options?: Record<string, 'int' | 'str'>;
}

const TRAITS: Record<string, EventTraits> = {
  ONOFFLINEEVENT: { disableOffline: true, options: { minTimeout: 'int' } },
};

/** App events whose `auth` carries refresh_token (api-reference/events/index.md; "sendRefreshToken" is the portal's behaviour; the page is silent). */
export const SENDS_REFRESH_TOKEN = new Set(['ONAPPINSTALL', 'ONAPPUPDATE', 'ONAPPTEST', 'ONOFFLINEEVENT']);

/** Every scope that has events, in description order. */
export const EVENT_SCOPES: readonly string[] = Object.keys(SCOPE_EVENTS);

/** The events of the listed scopes, in description order (`events`). */
export function eventsOfScopes(scopes: readonly string[]): string[] {
  return EVENT_SCOPES.filter((s) => scopes.includes(s)).flatMap((s) => SCOPE_EVENTS[s]!);
}

/** Is `event` (upper case) bindable with these granted scopes (plus `_global`)? */
export function isBindable(event: string, granted: readonly string[]): boolean {
  return [...granted, GLOBAL_SCOPE].some((s) => SCOPE_EVENTS[s]?.includes(event));
}

export function eventTraits(event: string): EventTraits {
  return TRAITS[event] ?? {};
}
