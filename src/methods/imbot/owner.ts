import { getBot, firstBotOf, type BotRow } from '../../bots/lifecycle.js';
import { cachedRead } from '../../context.js';
import { resolveOwner, type BotOwner } from '../../bots/owner.js';
import { intval } from '../../rest/php.js';
import type { MethodCall } from '../../rest/registry.js';
import { ImbotErrors } from './errors.js';

/** Bot/command/app management methods refuse browser sessions. */
export function rejectSession(call: MethodCall): void {
  if (call.caller.authType === 'session') throw ImbotErrors.sessionAuth();
}

/** The calling application: its OAuth client_id, or "custom" + CLIENT_ID; else ACCESS_DENIED. */
export function requireOwner(call: MethodCall, P: Record<string, unknown>): BotOwner {
  const owner = resolveOwner(call.caller, P.CLIENT_ID);
  if (!owner) throw ImbotErrors.noClientId();
  return owner;
}

/** A bot the owner controls, by BOT_ID (must exist and be the owner's). */
export async function ownedBot(call: MethodCall, owner: BotOwner, botIdParam: unknown): Promise<BotRow> {
  const botId = intval(botIdParam);
  const bot = botId > 0 ? await cachedRead(call.ctx, `bot:${botId}`, ['bots'], () => getBot(call.ctx.db, botId)) : undefined;
  if (!bot) throw ImbotErrors.botNotFound();
  if (bot.app_id !== owner.appId) throw ImbotErrors.botOfOtherApp();
  return bot;
}

/**
 * BOT_ID auto-fill (imbot-v1.md §1.2): without BOT_ID the app's first bot acts; a BOT_ID that is
 * present, even 0, must exist and be the app's.
 */
export async function actingBot(call: MethodCall, owner: BotOwner, P: Record<string, unknown>): Promise<BotRow> {
  if (P.BOT_ID !== undefined) return ownedBot(call, owner, P.BOT_ID);
  const bot = await cachedRead(call.ctx, `bot:first:${owner.appId}`, ['bots'], () => firstBotOf(call.ctx.db, owner.appId));
  if (!bot) throw ImbotErrors.botNotFound();
  return bot;
}
