import { getBot, type BotRow } from '../bots/lifecycle.js';
import { isTokenOwned, WEBHOOK_OWNER_PREFIX } from '../bots/v2-subscriptions.js';
import { cachedRead, type DomainCtx } from '../context.js';
import { eventUserCard } from '../bots/event-user.js';
import { getUser, type UserRow } from '../im/users.js';
import { listOwnerBindings, type BindingRow } from '../store/repos/event-bindings.js';
import { toOfflineQueue } from './app-events.js';
import { oauthEventAuth } from './oauth-seam.js';
import { writeDelivery } from './outbox.js';
import { signalOutbox } from './signal.js';
import { emitV2BotEvents } from './v2/dispatch.js';

import type { BotEventIntent, BotEventName } from '../domain-events.js';
export type { BotEventIntent, BotEventName, CommandHit } from '../domain-events.js';
export { eventUserCard } from '../bots/event-user.js';
export type { BindingRow };

export { setOAuthEventAuth, oauthEventAuth, type OAuthEventAuth } from './oauth-seam.js';

/** Events whose top-level auth carries refresh_token (api-reference/chat-bots/outdated/events/index.md; "sendRefreshToken" is the portal's behaviour; the page is silent). */
const WITH_REFRESH = new Set<BotEventName>(['ONIMBOTMESSAGEADD', 'ONIMBOTMESSAGEUPDATE', 'ONIMBOTMESSAGEDELETE', 'ONIMCOMMANDADD', 'ONIMBOTCONTEXTGET']);
const FULL_USER_CARD = new Set<BotEventName>(['ONIMBOTMESSAGEADD', 'ONIMBOTMESSAGEUPDATE', 'ONIMBOTMESSAGEDELETE']);

/** One recipient entry under data.BOT / data.COMMAND, keyed by bot or command id. */
interface Entry {
  key: number;
  bot: BotRow;
  extra: Record<string, unknown>;
}

/**
 * Writes the outbox rows for `intents` in the caller's transaction: one row per application
 * binding per event, holding the exact body to POST. The worker is nudged; its first read waits
 * for this transaction, so it sees the rows only once they are committed.
 */
export async function emitBotEvents(ctx: DomainCtx, intents: BotEventIntent[]): Promise<number> {
  const known = await botsOf(ctx, intents);
  if (known.size === 0) return 0;
  // Each bot hears its own API's format: v2 bots (api_version 2) get ONIMBOTV2* instead.
  let written = await emitV2BotEvents(ctx, intents, known);
  const lanes = new Set<string>();
  for (const intent of intents) {
    const entries = entriesOf(intent, known);
    if (entries.length === 0) continue;
    const byApp = new Map<string, Entry[]>();
    for (const e of entries) byApp.set(e.bot.app_id, [...(byApp.get(e.bot.app_id) ?? []), e]);
    const userId = intent.user === undefined ? intent.userId : null;
    const user = userId ? await cachedRead(ctx, `user:${userId}`, ['users'], () => getUser(ctx.db, userId)) : undefined;
    for (const [appId, appEntries] of byApp) {
      for (const binding of await bindingsOf(ctx, intent.event, appId)) {
        const groups = intent.event === 'ONIMBOTDELETE' ? appEntries.map((e) => [e]) : [appEntries];
        for (const group of groups) {
          const data = await dataOf(ctx, intent, binding, group, user);
          if (binding.event_type === 'offline') {
            await toOfflineQueue(ctx, binding, data, intent.userId); // the app reads it with event.offline.get
            continue;
          }
          await enqueue(ctx, intent, binding, appId, data);
          lanes.add(appId);
          written += 1;
        }
      }
    }
  }
  if (lanes.size) signalOutbox(ctx, [...lanes]);
  return written;
}

/** Every bot the intents name (commands' bots included), read once for both API branches. */
async function botsOf(ctx: DomainCtx, intents: BotEventIntent[]): Promise<Map<number, BotRow>> {
  const ids = new Set<number>();
  for (const intent of intents) {
    if (intent.event === 'ONIMCOMMANDADD') for (const h of intent.commands ?? []) ids.add(h.BOT_ID);
    else for (const id of intent.botIds) ids.add(id);
  }
  if (ids.size === 0) return new Map();
  const list = [...ids];
  const rows = await cachedRead(ctx, `event-bots:${list.join(',')}`, ['bots'], async () => {
    const found: BotRow[] = [];
    for (const id of list) {
      const bot = await getBot(ctx.db, id);
      if (bot) found.push(bot);
    }
    return found;
  });
  return new Map(rows.map((r) => [r.bot_id, r]));
}

/** The intent's v1 recipients: bots in webhook mode of API version 1, in the intent's order. */
function entriesOf(intent: BotEventIntent, known: ReadonlyMap<number, BotRow>): Entry[] {
  const v1 = (id: number) => {
    const r = known.get(id);
    return r && r.event_mode !== 'FETCH' && r.api_version !== 2 ? r : null;
  };
  if (intent.event === 'ONIMCOMMANDADD') {
    return (intent.commands ?? []).flatMap((h) => {
      const r = v1(h.BOT_ID);
      if (!r) return [];
      const { COMMAND, COMMAND_ID, COMMAND_PARAMS, COMMAND_CONTEXT, MESSAGE_ID } = h;
      return [{ key: COMMAND_ID, bot: r, extra: { COMMAND, COMMAND_ID, COMMAND_PARAMS, COMMAND_CONTEXT, MESSAGE_ID } }];
    });
  }
  return intent.botIds.flatMap((id) => {
    const r = v1(id);
    return r ? [{ key: r.bot_id, bot: r, extra: {} }] : [];
  });
}

/**
 * The app's bindings for the event (online and offline). Webhook apps are `custom<CLIENT_ID>`,
 * bound with app 0. Cached per event and app: every event a REST call raises asks this.
 */
function bindingsOf(ctx: DomainCtx, event: string, appId: string): Promise<BindingRow[]> {
  const raw = isTokenOwned(appId) ? appId.slice(WEBHOOK_OWNER_PREFIX.length) : null;
  return cachedRead(ctx, `event-bindings:${event}:${appId}`, ['event_bindings'], () =>
    listOwnerBindings(ctx.db, event, raw === null ? { oauthClientId: appId } : { webhookToken: raw }),
  );
}

async function dataOf(ctx: DomainCtx, intent: BotEventIntent, binding: BindingRow, group: Entry[], user: UserRow | undefined) {
  if (intent.event === 'ONIMBOTDELETE') return { BOT_ID: group[0]!.bot.bot_id, BOT_CODE: group[0]!.bot.code };
  const recipients: Record<string, unknown> = {};
  for (const e of group) {
    // offline queue rows carry no tokens: the app reads them with its own
    const oauth = binding.app_id > 0 && binding.event_type === 'online' ? oauthEventAuth() : null;
    const tokens = oauth ? await oauth.botTokens(ctx, binding, e.bot.bot_id) : null;
    recipients[e.key] = { ...(tokens ? { ...tokens, AUTH: tokens } : {}), BOT_ID: e.bot.bot_id, BOT_CODE: e.bot.code, ...e.extra };
  }
  return {
    [intent.event === 'ONIMCOMMANDADD' ? 'COMMAND' : 'BOT']: recipients,
    PARAMS: intent.params,
    USER: intent.user !== undefined ? intent.user : user ? eventUserCard(user, FULL_USER_CARD.has(intent.event)) : null,
  };
}

/** Top-level auth: the no-user-context block, unless the OAuth seam issues the user's tokens. */
async function authOf(ctx: DomainCtx, intent: BotEventIntent, binding: BindingRow): Promise<Record<string, string>> {
  const userId = binding.user_id > 0 ? binding.user_id : intent.userId; // event.bind's auth_type user wins
  const oauth = binding.app_id > 0 ? oauthEventAuth() : null;
  if (oauth && userId) {
    const full = await oauth.userAuth(ctx, binding, userId, WITH_REFRESH.has(intent.event));
    if (full) return full;
  }
  const bare = oauth?.appAuth ? await oauth.appAuth(ctx, binding) : null;
  if (bare) return bare;
  const rest = `${ctx.portal.baseUrl}/rest/`;
  return {
    domain: ctx.portal.domain,
    client_endpoint: rest,
    server_endpoint: rest,
    member_id: ctx.portal.memberId,
    application_token: binding.application_token,
  };
}

async function enqueue(ctx: DomainCtx, intent: BotEventIntent, binding: BindingRow, appId: string, data: Record<string, unknown>) {
  const now = ctx.clock.now();
  const body = {
    event: intent.event,
    event_handler_id: binding.id,
    data,
    ts: Math.floor(now / 1000),
    auth: await authOf(ctx, intent, binding),
  };
  await writeDelivery(ctx, { event: intent.event, bindingId: binding.id, lane: appId, handlerUrl: binding.handler_url, body, dueAt: now });
}
