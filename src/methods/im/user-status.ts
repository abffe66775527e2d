/**
 * im.user.status.get/set and im.user.status.idle.start/end (api-reference/chats/users/): the
 * caller's own presence, shown on their card (im.user.get `status`, `idle`).
 */
import { USER_STATUSES, endIdle, presenceOf, setStatus, startIdle } from '../../im/user-status.js';
import { RestError } from '../../rest/errors.js';
import { idval, phpString, upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';

async function statusGet(call: MethodCall): Promise<string> {
  const me = call.caller.userId;
  return (await presenceOf(call.ctx.db, [me])).get(me)?.status ?? 'online';
}

/** STATUS: one of the four, lower case exactly (the docs: the value is case-sensitive). */
async function statusSet(call: MethodCall): Promise<true> {
  const status = phpString(upperKeys(call.params).STATUS);
  if (!(USER_STATUSES as readonly string[]).includes(status)) throw new RestError('STATUS_ERROR', 'Status is not available');
  await setStatus(call.ctx, call.caller.userId, status);
  return true;
}

/** AGO: minutes, 10 when absent, at least 1; held to the int range (`idval`) so the moment stays a timestamp a column holds. */
async function idleStart(call: MethodCall): Promise<true> {
  const P = upperKeys(call.params);
  const ago = P.AGO === undefined || P.AGO === null || P.AGO === '' ? 10 : Math.max(idval(P.AGO), 1);
  await startIdle(call.ctx, call.caller.userId, ago);
  return true;
}

export const userStatusMethods: MethodSpec[] = [
  { name: 'im.user.status.get', scope: 'im', handler: statusGet },
  { name: 'im.user.status.set', scope: 'im', write: true, handler: statusSet },
  { name: 'im.user.status.idle.start', scope: 'im', write: true, handler: idleStart },
  { name: 'im.user.status.idle.end', scope: 'im', write: true, handler: async (call) => (await endIdle(call.ctx, call.caller.userId), true) },
];
