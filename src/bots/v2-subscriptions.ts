import type { DomainCtx } from '../context.js';
import { lockKey, type Db } from '../store/db.js';
import { findAppByClientId } from '../store/repos/apps.js';
import { deleteBindingsById, deleteOwnerHandlers, insertBindings, listOwnerHandlers, retokenOwnerHandlers } from '../store/repos/event-bindings.js';
import { ownerHasBot } from '../store/repos/bots.js';
import { randomCode } from '../util/random.js';
import type { BotRow } from '../store/repos/bots.js';

/**
 * The `ONIMBOTV2*` subscriptions of Chatbots 2.0 bots (api-reference/chat-bots/chat-bots-v2/imbot.v2/events/index.md, api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-update.md).
 *
 * Contract with the v2 events engine (keep it exactly):
 * - `bots.api_version` = 2 marks a bot whose events use the v2 format; `bots.event_mode` is
 *   `FETCH` (events go to the bot's log for `imbot.v2.Event.get`) or `WEBHOOK` (pushed);
 *   `bots.webhook_url` is the bot's one handler URL in `WEBHOOK` mode ('' otherwise).
 * - A v2 bot in `WEBHOOK` mode has one `event_bindings` row per name of `V2_BOT_EVENTS`, with
 *   `handler_url` = its webhook URL, `event_type` 'online', `user_id` 0 and:
 *   - webhook-token bots (owner key `"custom"+botToken`): `app_id` 0 and `application_token` =
 *     `bots.event_secret`, a random per-bot secret made at register and replaced when the
 *     botToken rotates (the portal's behaviour). The delivery sends it as the top-level `auth.application_token`
 *     (and in `data.bot.auth`). Each such bot has its own 8 rows.
 *   - OAuth bots: `app_id` = the app's `apps.id` and `application_token` = its client_id (the
 *     bot's `app_id`), like the app's other bindings (so `event.get` lists them). These rows
 *     belong to the application (as on a portal): all its bots share them, and an event for any
 *     of its webhook-mode bots goes to every such row of that event.
 * - Fetch-mode bots have no rows. Only this module writes these rows; `event.bind` /
 *   `event.unbind` by hand are not needed (api-reference/chat-bots/chat-bots-v2/imbot.v2/events/events.md#webhook-payload).
 * Rows are looked up by (`app_id`, `application_token`, `event_name`); a row's id stays the same
 * as long as its URL and token do.
 */

/** The eight bot events of api-reference/chat-bots/chat-bots-v2/imbot.v2/events/events.md, one subscription each. */
export const V2_BOT_EVENTS = [
  'ONIMBOTV2MESSAGEADD',
  'ONIMBOTV2MESSAGEUPDATE',
  'ONIMBOTV2MESSAGEDELETE',
  'ONIMBOTV2REACTIONCHANGE',
  'ONIMBOTV2COMMANDADD',
  'ONIMBOTV2JOINCHAT',
  'ONIMBOTV2CONTEXTGET',
  'ONIMBOTV2DELETE',
] as const;

/** Owner keys of bots controlled by a botToken (or v1's CLIENT_ID) rather than an OAuth app. */
export const WEBHOOK_OWNER_PREFIX = 'custom';

export function isTokenOwned(ownerKey: string): boolean {
  return ownerKey.startsWith(WEBHOOK_OWNER_PREFIX);
}

/** A new per-bot delivery secret (webhook-token bots). */
export function newEventSecret(): string {
  return randomCode(32);
}

/** The (`app_id`, `application_token`) pair a bot's subscriptions carry; null for an unknown OAuth app. */
async function subscriptionKey(db: Db, bot: Pick<BotRow, 'app_id' | 'event_secret'>): Promise<{ appId: number; token: string } | null> {
  if (isTokenOwned(bot.app_id)) return bot.event_secret ? { appId: 0, token: bot.event_secret } : null;
  const app = await findAppByClientId(db, bot.app_id);
  return app ? { appId: app.id, token: bot.app_id } : null;
}

/** Does the bot's OAuth app own other bots (whose subscriptions it shares)? */
function hasSiblings(db: Db, bot: Pick<BotRow, 'bot_id' | 'app_id'>): Promise<boolean> {
  return ownerHasBot(db, bot.app_id, bot.bot_id);
}

/**
 * Brings the bot's subscriptions in line with its row (api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-update.md table): eight rows for its URL in
 * WEBHOOK mode, none in FETCH mode; rows on other URLs ("stray" ones) go. For an OAuth app that
 * has other bots nothing is deleted, so their subscriptions keep working (api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-update.md last row).
 */
export async function syncV2Subscriptions(ctx: DomainCtx, bot: BotRow): Promise<void> {
  const key = await subscriptionKey(ctx.db, bot);
  if (!key) return;
  const url = bot.event_mode === 'WEBHOOK' ? bot.webhook_url : '';
  // one sync of these rows at a time, so two concurrent ones cannot both add the missing rows
  await lockKey(ctx.db, `v2-subscriptions:${key.appId}:${key.token}`);
  const existing = await listOwnerHandlers(ctx.db, key, V2_BOT_EVENTS);
  const keepOthers = !isTokenOwned(bot.app_id) && (await hasSiblings(ctx.db, bot));
  const stale = existing.filter((r) => r.handler_url !== url).map((r) => r.id);
  if (!keepOthers) await deleteBindingsById(ctx.db, stale);
  if (url === '') return;
  const missing = V2_BOT_EVENTS.filter((e) => !existing.some((r) => r.event_name === e && r.handler_url === url));
  if (missing.length === 0) return;
  const now = ctx.clock.now();
  await insertBindings(ctx.db, missing.map((event_name) => ({ event_name, handler_url: url, app_id: key.appId, application_token: key.token, user_id: 0, created_at: now })));
}

/** Moves a webhook-token bot's rows to its new secret after a botToken rotation (the portal's behaviour). */
export async function rekeyV2Subscriptions(ctx: DomainCtx, oldSecret: string, newSecret: string): Promise<void> {
  if (!oldSecret) return;
  await retokenOwnerHandlers(ctx.db, { appId: 0, token: oldSecret }, V2_BOT_EVENTS, newSecret);
}

/**
 * Drops the subscriptions of a bot that is going away (api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-unregister.md), in either mode. An OAuth app's rows
 * stay while it still has other bots; they go with its last bot (or when the app is removed).
 * Call it while the bot row still exists.
 */
export async function removeV2Subscriptions(ctx: DomainCtx, bot: BotRow): Promise<void> {
  const key = await subscriptionKey(ctx.db, bot);
  if (!key) return;
  if (!isTokenOwned(bot.app_id) && (await hasSiblings(ctx.db, bot))) return;
  await deleteOwnerHandlers(ctx.db, key, V2_BOT_EVENTS);
}
