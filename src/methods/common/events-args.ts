import { RestError, SystemErrors } from '../../rest/errors.js';
import type { Caller, MethodCall } from '../../rest/registry.js';

/*
 * What the `event.*` methods share: the application context they all require and the
 * `ERROR_ARGUMENT` shapes of a portal's argument exceptions.
 */

/** The event methods answer only an OAuth application (api-reference/events/event-bind.md); anything else is WRONG_AUTH_TYPE. */
export function appCaller(call: MethodCall): Caller & { appId: number; clientId: string } {
  const { caller } = call;
  if (caller.authType !== 'oauth' || caller.appId === null || caller.clientId === null) throw SystemErrors.wrongAuthType();
  return caller as Caller & { appId: number; clientId: string };
}

/** `ArgumentNullException`: "Argument 'X' is null or empty" with the extra key `argument`. */
export function argumentNull(name: string): RestError {
  return new RestError('ERROR_ARGUMENT', `Argument '${name}' is null or empty`, 400, { argument: name });
}

/** `ArgumentException(message, parameter)`: the message, and `argument` when the portal names one. */
export function argumentError(message: string, argument?: string): RestError {
  return new RestError('ERROR_ARGUMENT', message, 400, argument === undefined ? {} : { argument });
}

/** `array_change_key_case($query, CASE_LOWER)` (the offline methods read lower-case keys). */
export function lowerKeys(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) out[k.toLowerCase()] = v;
  return out;
}

/** PHP `isset`: present and not null. */
export const isset = (v: unknown): boolean => v !== undefined && v !== null;
