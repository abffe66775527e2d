import type { DomainCtx } from '../context.js';
import type { Db } from '../store/db.js';
import { countBotsOf as countBotRows, deleteBotRow, findBot, findFirstBotOf, findRestBotByCode, insertBotOnce, listBotsWithNames, ownerHasBot, updateBotRow, type BotPatch, type BotRow } from '../store/repos/bots.js';
import { deleteBotCommands, setBotCommandsOwner } from '../store/repos/commands.js';
import { setBotChatAppsOwner } from '../store/repos/chat-apps.js';
import { deleteUserRow, updateUserColumns, type UserPatch } from '../store/repos/users.js';
import { deleteMembershipsOf, listMemberships } from '../store/repos/chats.js';
import { createUser, fullName } from '../im/users.js';
import { deleteChats } from '../im/chats.js';
import { randomCode } from '../util/random.js';
import { bindAppEvent, BOT_EVENT_FIELDS, type BotEventField } from './bindings.js';
import { deleteBotChatApps } from './chat-apps.js';
import type { BotOwner } from './owner.js';
import { isTokenOwned, newEventSecret, rekeyV2Subscriptions, removeV2Subscriptions, syncV2Subscriptions, WEBHOOK_OWNER_PREFIX } from './v2-subscriptions.js';
import { sameSecret } from '../util/secrets.js';

export type { BotRow };

/** A bot lifecycle step the domain refuses; the API layer turns it into its own error. */
export class BotError extends Error {
  constructor(readonly reason: 'code_taken' | 'invalid_fields' | 'not_found' | 'rotation_failed') {
    super(reason);
  }
}

export const REGISTRABLE_TYPES = ['O', 'B', 'H', 'S'];
/** Localised default work position of a bot user (BOT_DEFAULT_WORK_POSITION). */
export const DEFAULT_WORK_POSITION = 'Chat bot';

export interface BotProperties {
  NAME?: string;
  LAST_NAME?: string;
  COLOR?: string;
  EMAIL?: string;
  PERSONAL_BIRTHDAY?: string;
  WORK_POSITION?: string;
  PERSONAL_WWW?: string;
  PERSONAL_GENDER?: string;
  /** the avatar as a `data:` URL (checked by src/im/avatar.ts), kept in users.personal_photo */
  PERSONAL_PHOTO?: string;
}

/** Chatbots 2.0 settings of a bot registered through imbot.v2 (api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-register.md). */
export interface V2BotSettings {
  eventMode: 'WEBHOOK' | 'FETCH';
  /** the validated webhook URL in WEBHOOK mode */
  webhookUrl: string;
  hidden: boolean;
  reactionsEnabled: boolean;
  backgroundId: string | null;
}

export interface NewBot {
  code: string;
  type: string;
  openline: 'Y' | 'N';
  properties: BotProperties;
  /** validated handler URLs (CLIENT_ID already appended for webhook owners) */
  handlers: Partial<Record<BotEventField, string>>;
  /** set for imbot.v2.Bot.register: the bot is `api_version` 2 with these settings */
  v2?: V2BotSettings;
}

export function getBot(db: Db, botId: number): Promise<BotRow | undefined> {
  return findBot(db, botId);
}

/** The REST bot with this CODE, whichever app owns it (codes are unique per portal). */
export function botByCode(db: Db, code: string): Promise<BotRow | undefined> {
  return findRestBotByCode(db, code);
}

/** How many bots an owner key has (the per-app registration limit). */
export function countBotsOf(db: Db, ownerKey: string): Promise<number> {
  return countBotRows(db, ownerKey);
}

/** The bot an app's message and chat calls act as when they omit BOT_ID: its first one. */
export function firstBotOf(db: Db, appId: string): Promise<BotRow | undefined> {
  return findFirstBotOf(db, appId);
}

async function bindHandlers(ctx: DomainCtx, owner: BotOwner, handlers: NewBot['handlers']): Promise<void> {
  for (const [field, url] of Object.entries(handlers) as [BotEventField, string][]) {
    if (url) await bindAppEvent(ctx, owner, BOT_EVENT_FIELDS[field], url);
  }
}

/** The CODE is registered already: the same owner gets its bot back (handlers rebound), another is refused. */
async function reRegistered(ctx: DomainCtx, owner: BotOwner, bot: NewBot, existing: { bot_id: number; app_id: string }): Promise<{ botId: number; existed: boolean }> {
  if (!sameSecret(owner.appId, existing.app_id)) throw new BotError('code_taken');
  await bindHandlers(ctx, owner, bot.handlers);
  return { botId: existing.bot_id, existed: true };
}

const BIRTHDAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Registers a bot: a portal user with EXTERNAL_AUTH_ID "bot" plus the bot row, then the owner's
 * event bindings. Re-registering a CODE the same app already has returns that bot (and rebinds the
 * handlers); a CODE owned by another app is refused (api-reference/chat-bots/outdated/bots/imbot-register.md; the docs are silent, this is the safe side).
 * A v2 registration (`bot.v2`) makes an `api_version` 2 bot (FETCH by default, reactions on) and
 * its ONIMBOTV2* subscriptions; webhook-token owners get a delivery secret (v2-subscriptions.ts).
 */
export async function registerBot(ctx: DomainCtx, owner: BotOwner, bot: NewBot): Promise<{ botId: number; existed: boolean }> {
  const existing = await findRestBotByCode(ctx.db, bot.code);
  if (existing) return reRegistered(ctx, owner, bot, existing);
  const p = bot.properties;
  if (bot.code.length > 50 || owner.appId.length > 128) throw new BotError('invalid_fields');
  if (p.PERSONAL_BIRTHDAY && !BIRTHDAY.test(p.PERSONAL_BIRTHDAY)) throw new BotError('invalid_fields');
  const login = `bot_${`rest_${bot.code}`.slice(0, 40)}_${randomCode(5)}`.slice(0, 50);
  const botId = await createUser(ctx.db, ctx.clock, {
    login,
    name: p.NAME ?? '',
    lastName: p.LAST_NAME ?? '',
    email: p.EMAIL ?? '',
    externalAuthId: 'bot',
    userType: 'bot',
    workPosition: p.WORK_POSITION?.trim() || DEFAULT_WORK_POSITION,
    gender: p.PERSONAL_GENDER ?? '',
    birthday: p.PERSONAL_BIRTHDAY ?? '',
    www: p.PERSONAL_WWW ?? '',
    color: p.COLOR ?? '',
    departments: [],
  });
  if (p.PERSONAL_PHOTO) await updateUserColumns(ctx.db, botId, { personal_photo: p.PERSONAL_PHOTO });
  const v2 = bot.v2;
  // Atomic against a concurrent registration of the same CODE (unique bots_code, migration 013):
  // the loser's insert does nothing (on PostgreSQL it first waits for the winner to commit), its
  // user goes again, and it answers as a re-registration of the winner's bot.
  const inserted = await insertBotOnce(ctx.db, {
      bot_id: botId,
      code: bot.code,
      module_id: 'rest',
      type: bot.type,
      openline: bot.type === 'O' ? 'Y' : bot.openline,
      app_id: owner.appId,
      api_version: v2 ? 2 : 1,
      event_mode: v2 ? v2.eventMode : 'WEBHOOK',
      created_at: ctx.clock.now(),
      ...(v2
        ? {
            hidden: v2.hidden ? 'Y' : 'N',
            reactions_enabled: v2.reactionsEnabled ? 'Y' : 'N',
            background_id: v2.backgroundId,
            webhook_url: v2.eventMode === 'WEBHOOK' ? v2.webhookUrl : '',
            bot_token: owner.webhookClientId,
            event_secret: isTokenOwned(owner.appId) ? newEventSecret() : '',
          }
        : {}),
  });
  if (inserted === undefined) {
    await deleteUserRow(ctx.db, botId);
    const winner = await findRestBotByCode(ctx.db, bot.code);
    if (!winner) throw new Error(`bot CODE ${bot.code} conflicted but no bot has it`);
    return reRegistered(ctx, owner, bot, winner);
  }
  await bindHandlers(ctx, owner, bot.handlers);
  if (v2) await syncV2Subscriptions(ctx, (await getBot(ctx.db, botId))!);
  return { botId, existed: false };
}

/**
 * Unregisters a bot (api-reference/chat-bots/outdated/bots/imbot-unregister.md): its private and system chats
 * are deleted with all their messages; it leaves group chats, whose messages (its own included)
 * stay; its commands, its chat apps and its user go. The app's event bindings stay ("sticky", removed only
 * when the app is uninstalled); a v2 bot's ONIMBOTV2* subscriptions go (api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-unregister.md, except
 * an OAuth app's while it keeps other bots). Every query is keyed by the bot, so the cost does not grow with
 * the rest of the portal.
 */
export async function unregisterBot(ctx: DomainCtx, botId: number): Promise<void> {
  const db = ctx.db;
  // Fired before anything is deleted (api-reference/chat-bots/outdated/events/on-imbot-delete.md); committed or rolled back with the rest.
  await ctx.events.publish(ctx, { kind: 'bot-events', intents: [{ event: 'ONIMBOTDELETE', botIds: [botId], userId: null, params: {} }] });
  const bot = await getBot(db, botId);
  if (bot?.api_version === 2) await removeV2Subscriptions(ctx, bot);
  await deleteBotRow(db, botId);
  const chats = await listMemberships(db, botId);
  await deleteChats(
    db,
    chats.filter((c) => c.type === 'P' || c.type === 'S').map((c) => c.id),
  );
  await deleteMembershipsOf(db, botId);
  await deleteBotCommands(db, botId);
  await deleteBotChatApps(db, botId);
  await deleteUserRow(db, botId);
}

export interface BotUpdate {
  code?: string;
  openline?: 'Y' | 'N';
  properties: BotProperties;
  handlers: Partial<Record<BotEventField, string>>;
  /** imbot.v2.Bot.update's own fields */
  v2?: V2BotUpdate;
}

/** What imbot.v2.Bot.update changes on the bots row (api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-update.md); undefined = unchanged. */
export interface V2BotUpdate {
  /** given (with the URL it resolves to, '' for FETCH) when the call sets eventMode or webhookUrl */
  delivery?: { eventMode: 'WEBHOOK' | 'FETCH'; webhookUrl: string };
  hidden?: boolean;
  reactionsEnabled?: boolean;
  /** null resets */
  backgroundId?: string | null;
  /** token rotation: the new raw botToken (already trimmed and length-checked) */
  botToken?: string;
}

/** Applies an imbot.update; handler changes rebind at app level (all the app's bots). */
export async function updateBot(ctx: DomainCtx, owner: BotOwner, botId: number, u: BotUpdate): Promise<void> {
  const botFields: { code?: string; openline?: string } = {};
  if (u.code !== undefined) {
    if (u.code.length > 50) throw new BotError('invalid_fields');
    botFields.code = u.code;
  }
  if (u.openline !== undefined) botFields.openline = u.openline;
  await updateBotRow(ctx.db, botId, botFields);

  const p = u.properties;
  if (p.PERSONAL_BIRTHDAY && !BIRTHDAY.test(p.PERSONAL_BIRTHDAY)) throw new BotError('invalid_fields');
  const userFields: UserPatch = {};
  if (p.NAME !== undefined && p.NAME.trim() !== '') userFields.name = p.NAME;
  if (p.LAST_NAME !== undefined) userFields.last_name = p.LAST_NAME;
  if (p.EMAIL !== undefined) userFields.email = p.EMAIL;
  if (p.COLOR !== undefined) userFields.color = p.COLOR;
  if (p.PERSONAL_BIRTHDAY !== undefined) userFields.personal_birthday = p.PERSONAL_BIRTHDAY;
  if (p.PERSONAL_WWW !== undefined) userFields.personal_www = p.PERSONAL_WWW;
  if (p.PERSONAL_GENDER !== undefined) userFields.personal_gender = p.PERSONAL_GENDER;
  if (p.WORK_POSITION !== undefined) userFields.work_position = p.WORK_POSITION.trim() || DEFAULT_WORK_POSITION;
  if (p.PERSONAL_PHOTO !== undefined) userFields.personal_photo = p.PERSONAL_PHOTO;
  await updateUserColumns(ctx.db, botId, userFields);

  await bindHandlers(ctx, owner, u.handlers);
  if (u.v2) await applyV2Update(ctx, botId, u.v2);
}

/**
 * The v2 part of an update. Migration of handling (issue #7): a bot whose update sets `eventMode`
 * (either value) or `webhookUrl` gets its events in the v2 format from then on (`api_version`
 * 2) — that is how a v1 bot moves to v2 without re-registering. Its v1 handlers are app-level
 * bindings other bots may share, so they are left as they are. Token rotation re-keys the owner
 * (`"custom"+token`) and the delivery secret; it is refused for OAuth bots, for a token another
 * bot already answers to, and for bots still on v1 events (their v1 handlers are keyed by the old
 * CLIENT_ID and could not follow) — all as the one generic `rotation_failed`.
 */
async function applyV2Update(ctx: DomainCtx, botId: number, u: V2BotUpdate): Promise<void> {
  const bot = (await getBot(ctx.db, botId))!;
  const set: Partial<Pick<BotRow, 'hidden' | 'reactions_enabled' | 'background_id' | 'api_version' | 'event_mode' | 'webhook_url' | 'event_secret' | 'bot_token' | 'app_id'>> & BotPatch = {};
  if (u.hidden !== undefined) set.hidden = u.hidden ? 'Y' : 'N';
  if (u.reactionsEnabled !== undefined) set.reactions_enabled = u.reactionsEnabled ? 'Y' : 'N';
  if (u.backgroundId !== undefined) set.background_id = u.backgroundId;
  const tokenOwned = isTokenOwned(bot.app_id);
  if (u.delivery) {
    set.api_version = 2;
    set.event_mode = u.delivery.eventMode;
    set.webhook_url = u.delivery.eventMode === 'WEBHOOK' ? u.delivery.webhookUrl : '';
    if (tokenOwned && !bot.event_secret) set.event_secret = newEventSecret();
    if (tokenOwned && !bot.bot_token) set.bot_token = bot.app_id.slice(WEBHOOK_OWNER_PREFIX.length);
  }
  const newKey = u.botToken === undefined ? null : `${WEBHOOK_OWNER_PREFIX}${u.botToken}`;
  const rotate = newKey !== null && newKey !== bot.app_id;
  if (rotate) {
    const isV2 = (set.api_version ?? bot.api_version) === 2;
    const taken = await ownerHasBot(ctx.db, newKey);
    if (!tokenOwned || !isV2 || taken) throw new BotError('rotation_failed');
    const secret = newEventSecret();
    await rekeyV2Subscriptions(ctx, set.event_secret ?? bot.event_secret, secret);
    Object.assign(set, { app_id: newKey, bot_token: u.botToken!, event_secret: secret });
    // The bot's commands and chat apps carry the owner key too (v1's imbot.command.* and
    // imbot.app.* check it): they follow the bot to its new token.
    await setBotCommandsOwner(ctx.db, botId, newKey);
    await setBotChatAppsOwner(ctx.db, botId, newKey);
  }
  await updateBotRow(ctx.db, botId, set);
  if (u.delivery || rotate) await syncV2Subscriptions(ctx, (await getBot(ctx.db, botId))!);
}

export interface BotListItem {
  ID: number;
  NAME: string;
  CODE: string;
  OPENLINE: string;
}

/** Every bot of the portal except network bots, whichever app owns it (api-reference/chat-bots/outdated/bots/imbot-bot-list.md). */
export async function listBots(db: Db): Promise<BotListItem[]> {
  const rows = await listBotsWithNames(db);
  return rows.map((r) => ({ ID: r.bot_id, NAME: fullName(r), CODE: r.code, OPENLINE: r.openline }));
}
