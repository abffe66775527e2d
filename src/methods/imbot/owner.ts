import { getBot, firstBotOf, type BotRow } from '../../bots/lifecycle.js';
import { cachedRead } from '../../context.js';
import { resolveOwner, type BotOwner } from '../../bots/owner.js';
import { idval, phpIntKey } from '../../rest/php.js';
import type { MethodCall } from '../../rest/registry.js';
import { ImbotErrors } from './errors.js';
import { sameSecret } from '../../util/secrets.js';

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

/** A bot the owner controls, by id: BOT_ID_ERROR when there is none, APP_ID_ERROR when it is another app's. */
async function controlledBot(call: MethodCall, owner: BotOwner, botId: number | null): Promise<BotRow> {
  const bot = botId !== null && botId > 0 ? await cachedRead(call.ctx, `bot:${botId}`, ['bots'], () => getBot(call.ctx.db, botId)) : undefined;
  if (!bot) throw ImbotErrors.botNotFound();
  if (!sameSecret(owner.appId, bot.app_id)) throw ImbotErrors.botOfOtherApp();
  return bot;
}

/** imbot.command.register / imbot.app.register: `intval(BOT_ID)`, and ≤ 0 is "Bot not found". */
export function ownedBot(call: MethodCall, owner: BotOwner, botIdParam: unknown): Promise<BotRow> {
  return controlledBot(call, owner, idval(botIdParam));
}

/**
 * imbot.unregister / imbot.update and the BOT_ID of message and chat methods: the portal looks
 * the value up as `$bots[$arParams['BOT_ID']]`, so "39abc" or " 39" name no bot (intval would
 * pick bot 39 — and unregister it).
 */
export function botByIdKey(call: MethodCall, owner: BotOwner, botIdParam: unknown): Promise<BotRow> {
  return controlledBot(call, owner, phpIntKey(botIdParam));
}

/**
 * BOT_ID auto-fill (api-reference/chat-bots/outdated/bots/imbot-register.md; the portal's behaviour; the page is silent, `getBotId`): without BOT_ID the app's first bot acts; a
 * BOT_ID that is set, even 0, must exist and be the app's. "Set" is PHP `isset`, so a JSON null
 * counts as absent.
 */
export async function actingBot(call: MethodCall, owner: BotOwner, P: Record<string, unknown>): Promise<BotRow> {
  if (P.BOT_ID !== undefined && P.BOT_ID !== null) return botByIdKey(call, owner, P.BOT_ID);
  const bot = await cachedRead(call.ctx, `bot:first:${owner.appId}`, ['bots'], () => firstBotOf(call.ctx.db, owner.appId));
  if (!bot) throw ImbotErrors.botNotFound();
  return bot;
}
