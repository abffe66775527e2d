import { botByCode, BotError, countBotsOf, registerBot, unregisterBot, updateBot, type BotRow, type V2BotUpdate } from '../../bots/lifecycle.js';
import type { BotOwner } from '../../bots/owner.js';
import { botV2, V2_TYPE_LETTERS } from '../../bots/v2-entities.js';
import { getUser, getUsers } from '../../im/users.js';
import { userV2 } from '../../im/v2-entities.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { fieldsOf, objectParam, pick, v2Bool, v2Int, v2String } from './args.js';
import {
  BOTS_PER_OWNER,
  BotV2Errors,
  checkTokenLength,
  checkWebhookUrl,
  readBackground,
  readEventMode,
  readProperties,
} from './bots-fields.js';
import { V2Errors } from './errors.js';
import { gate, loadBot, requireV2Owner, v2Owner, type V2Owner } from './gate.js';
import { sameSecret } from '../../util/secrets.js';
import { listBotsOf } from '../../store/repos/bots.js';

/* imbot.v2.Bot.* and imbot.v2.Revision.get (api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/index.md, api-reference/chat-bots/chat-bots-v2/imbot.v2/revision-get.md). */

/** The v1 lifecycle's owner for a v2 caller: webhook owners' raw token is their CLIENT_ID. */
function lifecycleOwner(o: V2Owner): BotOwner {
  return { appId: o.key, restAppId: o.restAppId, applicationToken: o.oauth ? o.key : o.botToken!, webhookClientId: o.oauth ? null : o.botToken };
}

/** `{bot, users:[the bot user]}`, the answer of register/update/get. */
async function botAnswer(call: MethodCall, bot: BotRow, format: 'brief' | 'owner'): Promise<Record<string, unknown>> {
  const user = await getUser(call.ctx.db, bot.bot_id);
  return { bot: await botV2(call.ctx.db, bot, format, call.ctx.portal.languageId), users: user ? [userV2(user)] : [] };
}

async function reload(call: MethodCall, botId: number): Promise<BotRow> {
  return (await loadBot(call, botId))!;
}

/**
 * Register's owner (api-reference/chat-bots/chat-bots-v2/index.md): OAuth by client id; otherwise the top-level `botToken`, then
 * `fields.botToken` (register only, the portal's behaviour), then the deprecated `clientId` — all aliases included.
 */
function registerOwner(call: MethodCall, fields: Record<string, unknown>): V2Owner {
  const P = call.params;
  const token = v2String(pick(P, 'botToken')) || v2String(pick(fields, 'botToken')) || v2String(pick(P, 'clientId'));
  const owner = call.caller.clientId ? v2Owner(call, P) : v2Owner(call, { botToken: token });
  if (!owner) throw V2Errors.tokenNotSpecified();
  return owner;
}

/** `type` (case-insensitive, default `bot`) → the stored letter. */
function readType(fields: Record<string, unknown>): string {
  const raw = pick(fields, 'type');
  const name = raw === undefined || raw === null || raw === '' ? 'bot' : v2String(raw).toLowerCase();
  const letter = Object.hasOwn(V2_TYPE_LETTERS, name) ? V2_TYPE_LETTERS[name] : undefined;
  if (!letter) throw BotV2Errors.invalidType();
  return letter;
}

/** Checks in the order of api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-register.md; the same code from the same owner answers the existing bot. */
async function register(call: MethodCall): Promise<unknown> {
  const fields = fieldsOf(call.params);
  const owner = registerOwner(call, fields);
  if (owner.botToken !== null) checkTokenLength(owner.botToken);
  const code = v2String(pick(fields, 'code'));
  if (code.trim() === '') throw BotV2Errors.codeRequired();
  const rawProps = pick(fields, 'properties');
  if (v2String(pick(objectParam(rawProps), 'name')).trim() === '') throw BotV2Errors.propertiesRequired();
  const eventMode = readEventMode(fields) ?? 'FETCH';
  let webhookUrl = '';
  if (eventMode === 'WEBHOOK') {
    webhookUrl = v2String(pick(fields, 'webhookUrl'));
    if (webhookUrl === '') throw BotV2Errors.webhookUrlRequired();
    await checkWebhookUrl(webhookUrl, call.ctx);
  }
  const existing = await botByCode(call.ctx.db, code);
  if (existing) {
    if (!sameSecret(owner.key, existing.app_id)) throw BotV2Errors.codeTaken();
    return botAnswer(call, existing, 'owner');
  }
  // Bitrix enforces the limit on its cloud only (api-reference/chat-bots/chat-bots-v2/index.md); the dev profile stays lenient for local work.
  if (call.ctx.profile === 'cloud' && (await countBotsOf(call.ctx.db, owner.key)) >= BOTS_PER_OWNER) throw BotV2Errors.limitExceeded();
  const type = readType(fields);
  const properties = readProperties(rawProps);
  try {
    const { botId } = await registerBot(call.ctx, lifecycleOwner(owner), {
      code,
      type,
      openline: v2Bool(pick(fields, 'isSupportOpenline'), false) ? 'Y' : 'N',
      properties,
      handlers: {},
      v2: {
        eventMode,
        webhookUrl,
        hidden: v2Bool(pick(fields, 'isHidden'), false),
        reactionsEnabled: v2Bool(pick(fields, 'isReactionsEnabled'), true),
        backgroundId: readBackground(fields) ?? null,
      },
    });
    return botAnswer(call, await reload(call, botId), 'owner');
  } catch (err) {
    if (err instanceof BotError) throw err.reason === 'code_taken' ? BotV2Errors.codeTaken() : BotV2Errors.registerFailed();
    throw err;
  }
}

/**
 * Where the bot's events go after the update (api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-update.md): set only when `eventMode` or `webhookUrl` is
 * sent. A given URL is always checked; WEBHOOK mode without one (given or stored) is refused.
 */
async function readDelivery(call: MethodCall, bot: BotRow, fields: Record<string, unknown>): Promise<V2BotUpdate['delivery']> {
  const mode = readEventMode(fields);
  const url = v2String(pick(fields, 'webhookUrl'));
  if (url !== '') await checkWebhookUrl(url, call.ctx);
  if (mode === undefined && url === '') return undefined;
  const eventMode = mode ?? (bot.event_mode === 'FETCH' ? 'FETCH' : 'WEBHOOK');
  if (eventMode === 'FETCH') return { eventMode, webhookUrl: '' };
  const webhookUrl = url || bot.webhook_url;
  if (webhookUrl === '') throw BotV2Errors.webhookUrlRequired();
  return { eventMode, webhookUrl };
}

/** `fields.botToken` rotation (api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-update.md): blank is ignored; OAuth bots cannot rotate. */
function readRotation(owner: V2Owner, fields: Record<string, unknown>): string | undefined {
  const token = v2String(pick(fields, 'botToken')).trim();
  if (token === '') return undefined;
  if (owner.oauth) throw BotV2Errors.rotationFailed();
  checkTokenLength(token);
  return token;
}

async function update(call: MethodCall): Promise<unknown> {
  const { owner, bot } = await gate(call);
  const fields = fieldsOf(call.params);
  const delivery = await readDelivery(call, bot, fields);
  const properties = readProperties(pick(fields, 'properties'));
  const botToken = readRotation(owner, fields);
  const flag = (camel: string) => {
    const v = pick(fields, camel);
    return v === undefined || v === null ? undefined : v2Bool(v, false);
  };
  const openline = flag('isSupportOpenline');
  try {
    await updateBot(call.ctx, lifecycleOwner(owner), bot.bot_id, {
      openline: openline === undefined ? undefined : openline ? 'Y' : 'N',
      properties,
      handlers: {},
      v2: { delivery, hidden: flag('isHidden'), reactionsEnabled: flag('isReactionsEnabled'), backgroundId: readBackground(fields), botToken },
    });
  } catch (err) {
    if (err instanceof BotError) throw err.reason === 'rotation_failed' ? BotV2Errors.rotationFailed() : BotV2Errors.updateFailed();
    throw err;
  }
  return botAnswer(call, await reload(call, bot.bot_id), 'owner');
}

/** By `botId` (wins when > 0) or by `code` across the portal; owners see the extended format. */
async function get(call: MethodCall): Promise<unknown> {
  const P = call.params;
  const owner = requireV2Owner(call, P);
  const botId = v2Int(pick(P, 'botId'));
  const code = v2String(pick(P, 'code'));
  if (botId <= 0 && code === '') throw BotV2Errors.paramsRequired();
  const bot = botId > 0 ? await loadBot(call, botId) : await botByCode(call.ctx.db, code);
  if (!bot) throw V2Errors.botNotFound();
  return botAnswer(call, bot, bot.app_id === owner.key ? 'owner' : 'brief');
}

/** `filter.type` → stored letters; v1's `H` bots read as `bot` (api-reference/chat-bots/chat-bots-v2/index.md), so they match `bot`. */
function typeLetters(raw: unknown): string[] | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const name = v2String(raw).toLowerCase();
  if (name === 'bot') return ['B', 'H'];
  // an unknown type lists nothing (the documented contract of api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-list.md)
  return Object.hasOwn(V2_TYPE_LETTERS, name) ? [V2_TYPE_LETTERS[name]!] : [];
}

const LIST_LIMIT = 50;

/** The caller's own bots in id order; `hasNextPage` is the real server's heuristic (count == limit). */
async function list(call: MethodCall): Promise<unknown> {
  const P = call.params;
  const owner = requireV2Owner(call, P);
  const letters = typeLetters(pick(objectParam(pick(P, 'filter')), 'type'));
  const limitParam = v2Int(pick(P, 'limit'));
  // PHP integers are 64-bit ({"offset":1e20} is 7766279631452241920): past every row, not an
  // error; clamped to what the store binds as an integer
  const limit = limitParam > 0 ? Math.min(limitParam, Number.MAX_SAFE_INTEGER) : LIST_LIMIT;
  const offset = Math.min(Math.max(0, v2Int(pick(P, 'offset'))), Number.MAX_SAFE_INTEGER);
  let rows: BotRow[] = [];
  if (letters === null || letters.length) {
    rows = await listBotsOf(call.ctx.db, owner.key, { types: letters ?? undefined, limit, offset });
  }
  const users = await getUsers(call.ctx.db, rows.map((r) => r.bot_id));
  const lang = call.ctx.portal.languageId;
  return {
    bots: await Promise.all(rows.map((r) => botV2(call.ctx.db, r, 'owner', lang))),
    users: rows.flatMap((r) => users.filter((u) => u.id === r.bot_id).map((u) => userV2(u))),
    hasNextPage: rows.length === limit,
  };
}

/** Goes through the shared unregister (ONIMBOTDELETE intent, subscriptions, chats, commands). */
async function unregister(call: MethodCall): Promise<unknown> {
  const { bot } = await gate(call);
  await unregisterBot(call.ctx, bot.bot_id);
  return { result: true };
}

/** The API revisions this server answers as (api-reference/chat-bots/chat-bots-v2/imbot.v2/revision-get.md): rest 36 is the latest change-log entry. */
export const V2_REVISION = { rest: 36, web: 130, mobile: 23, desktop: 6 } as const;

export const v2BotsMethods: MethodSpec[] = [
  { name: 'imbot.v2.Bot.register', scope: 'imbot', write: true, handler: register, onStoreFailure: BotV2Errors.registerFailed },
  { name: 'imbot.v2.Bot.update', scope: 'imbot', write: true, handler: update, onStoreFailure: BotV2Errors.updateFailed },
  { name: 'imbot.v2.Bot.get', scope: 'imbot', handler: get },
  { name: 'imbot.v2.Bot.list', scope: 'imbot', handler: list },
  { name: 'imbot.v2.Bot.unregister', scope: 'imbot', write: true, handler: unregister, onStoreFailure: BotV2Errors.unregisterFailed },
  { name: 'imbot.v2.Revision.get', scope: 'imbot', handler: () => ({ ...V2_REVISION }) },
];
