import { writeDelivery } from '../outbox.js';
import type { DomainCtx } from '../../context.js';
import type { BotRow } from '../../bots/lifecycle.js';
import { listOwnerBindings, type BindingRow } from '../../store/repos/event-bindings.js';
import { oauthEventAuth } from '../oauth-seam.js';
import type { Data } from './payload.js';

/*
 * Webhook mode (api-reference/chat-bots/chat-bots-v2/imbot.v2/events/events.md#webhook-payload, `BotWebhookPayloadBuilder`): one outbox row per bot per binding,
 * so one POST carries one bot; the worker sends it as a PHP form like every other event, with the
 * same retries, delivery log and crash guarantees. `data.bot` is `{id, code, auth}`; the top-level
 * `auth` is always there and carries the binding's application_token.
 */

const isOAuthBot = (bot: BotRow) => !bot.app_id.startsWith('custom');

/**
 * The bot's automatic ONIMBOTV2* subscriptions for `event` (the contract of
 * src/bots/v2-subscriptions.ts): an OAuth bot's are its application's rows (app id > 0, token =
 * client_id), shared by all the app's bots as on a portal; a webhook-token bot's are bound with
 * app 0 and its own event secret, which no other bot shares.
 */
function bindingsOf(ctx: DomainCtx, bot: BotRow, event: string): Promise<BindingRow[]> {
  if (isOAuthBot(bot)) return listOwnerBindings(ctx.db, event, { oauthClientId: bot.app_id }, true);
  if (!bot.event_secret) return Promise.resolve([]);
  return listOwnerBindings(ctx.db, event, { webhookToken: bot.event_secret }, true);
}

/** Events whose top-level auth carries no refresh_token, as for their v1 counterparts (api-reference/chat-bots/outdated/events/index.md: JOINCHAT, DELETE; the portal's behaviour). */
const WITHOUT_REFRESH = new Set(['ONIMBOTV2JOINCHAT', 'ONIMBOTV2DELETE']);

/** The no-user-context block (webhook-token bots, or no user behind the event). */
function bareAuth(ctx: DomainCtx, binding: BindingRow): Record<string, string> {
  const rest = `${ctx.portal.baseUrl}/rest/`;
  return { domain: ctx.portal.domain, client_endpoint: rest, server_endpoint: rest, member_id: ctx.portal.memberId, application_token: binding.application_token };
}

async function topAuth(ctx: DomainCtx, binding: BindingRow, event: string, userId: number | null): Promise<Record<string, string>> {
  const oauth = binding.app_id > 0 ? oauthEventAuth() : null;
  if (oauth && userId) {
    const full = await oauth.userAuth(ctx, binding, userId, !WITHOUT_REFRESH.has(event));
    if (full) return full;
  }
  return (oauth?.appAuth ? await oauth.appAuth(ctx, binding) : null) ?? bareAuth(ctx, binding);
}

/** api-reference/chat-bots/chat-bots-v2/entities.md: every scalar a string — true "1", false "0", null "" (the form encoder keeps "" keys). */
export function stringifyScalars(v: unknown): unknown {
  if (v === null || v === undefined) return '';
  if (v === true) return '1';
  if (v === false) return '0';
  if (Array.isArray(v)) return v.map(stringifyScalars);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v as Data).map(([k, x]) => [k, stringifyScalars(x)]));
  return String(v);
}

/**
 * Writes the outbox rows of one event for one webhook-mode bot, in the lane of its owner (one
 * application's events go out in order); returns how many (0: the bot has no subscription).
 */
export async function enqueueWebhook(ctx: DomainCtx, bot: BotRow, event: string, data: Data, userId: number | null): Promise<number> {
  const bindings = await bindingsOf(ctx, bot, event);
  const now = ctx.clock.now();
  const lane = bot.app_id;
  for (const binding of bindings) {
    const oauth = binding.app_id > 0 ? oauthEventAuth() : null;
    const botAuth = (oauth ? await oauth.botTokens(ctx, binding, bot.bot_id) : null) ?? bareAuth(ctx, binding);
    const body = {
      event,
      data: stringifyScalars({ bot: { id: bot.bot_id, code: bot.code, auth: botAuth }, ...data }),
      ts: Math.floor(now / 1000),
      auth: await topAuth(ctx, binding, event, userId),
    };
    await writeDelivery(ctx, { event, bindingId: binding.id, lane, handlerUrl: binding.handler_url, body, dueAt: now });
  }
  return bindings.length;
}
