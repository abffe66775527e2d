import { Encoded } from '../../rest/encoded.js';
import { clampLimit, deletedBotOwner, isSubscribed, readQueues } from '../../events/v2/log.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { pick, v2Bool, v2Int } from './args.js';
import { v2Error, V2Errors } from './errors.js';
import { loadBot, requireV2Owner } from './gate.js';
import { sameSecret } from '../../util/secrets.js';

/* imbot.v2.Event.get (api-reference/chat-bots/chat-bots-v2/imbot.v2/events/event-get.md). */

const EventErrors = {
  scope: () => v2Error('SCOPE_ERROR', "Scope 'im' is required to fetch user events"),
  auth: () => v2Error('AUTH_ERROR', 'Authorization required for user events'),
  notSubscribed: () => v2Error('USER_NOT_SUBSCRIBED', 'User is not subscribed. Call im.v2.Event.subscribe first'),
} as const;

/**
 * The bot gate (api-reference/chat-bots/chat-bots-v2/index.md) with one addition (the portal's behaviour): a fetch bot deleted less than an hour ago still
 * answers its old owner here, so the ONIMBOTV2DELETE it was told last can be read. To anyone
 * else it is not found.
 */
async function eventQueueBot(call: MethodCall): Promise<number> {
  const owner = requireV2Owner(call, call.params);
  const botId = v2Int(pick(call.params, 'botId', 'BOT_ID'));
  if (botId <= 0) throw V2Errors.botIdRequired();
  const bot = await loadBot(call, botId);
  if (!bot) {
    if ((await deletedBotOwner(call.ctx, botId)) === owner.key) return botId;
    throw V2Errors.botNotFound();
  }
  if (!sameSecret(owner.key, bot.app_id)) throw V2Errors.ownership();
  return botId;
}

/** `withUserEvents`: the calling user, who needs scope im and a subscription (`resolveSubscribedUserId`). */
async function subscribedCaller(call: MethodCall): Promise<number> {
  if (!call.caller.scopes.includes('im')) throw EventErrors.scope();
  const userId = call.caller.userId;
  if (userId <= 0) throw EventErrors.auth();
  if (!(await isSubscribed(call.ctx, userId))) throw EventErrors.notSubscribed();
  return userId;
}

/** `offset` and `limit` (aliases OFFSET, LIMIT), read as the action's int arguments. */
export function pageArgs(P: Record<string, unknown>): { offset: number; limit: number } {
  const limit = pick(P, 'limit');
  return { offset: v2Int(pick(P, 'offset')), limit: clampLimit(limit === undefined || limit === null || limit === '' ? null : v2Int(limit)) };
}

async function eventGet(call: MethodCall): Promise<unknown> {
  const botId = await eventQueueBot(call);
  const queues = [botId];
  if (v2Bool(pick(call.params, 'withUserEvents'), false)) queues.push(await subscribedCaller(call));
  const { offset, limit } = pageArgs(call.params);
  const { page, bytes, plainBytes } = await readQueues(call.ctx, queues, offset, limit);
  return new Encoded(page, undefined, plainBytes, bytes);
}

/**
 * Whether a call writes: an `offset` above 0 acknowledges (deletes) what was read before it, in
 * one transaction with the read. A call at offset 0 (the usual first poll, and every poll of a
 * reader that never acknowledges) deletes nothing, and reads its page with one statement outside
 * any transaction. Arguments the method would reject are left to it, in a transaction as before.
 */
export function acknowledges(P: Record<string, unknown>): boolean {
  try {
    return v2Int(pick(P, 'offset')) > 0;
  } catch {
    return true;
  }
}

export const v2EventsMethods: MethodSpec[] = [
  { name: 'imbot.v2.Event.get', scope: 'imbot', write: acknowledges, handler: eventGet },
];
