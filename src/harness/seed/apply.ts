import { SERVED_SCOPES } from '../../auth/scopes.js';
import { addApp, installApp } from '../../apps/apps.js';
import { addWebhook } from '../../auth/webhooks.js';
import type { DomainCtx } from '../../context.js';
import { callMethod, type RestCore } from '../../rest/pipeline.js';
import { RestError } from '../../rest/errors.js';
import type { Caller } from '../../rest/registry.js';
import { continueIdSequences } from '../../store/snapshot.js';
import {
  appIdsByClientId,
  dialogChatId,
  findUserKind,
  firstWebhookOf,
  groupChatByTitle,
  hasAuthoredMessage,
  seedBot,
  webhookIdByCode,
} from '../../store/repos/seed.js';
import { insertSeedPerson, updateSeedPerson } from '../../store/repos/users.js';
import { updateSeedWebhook } from '../../store/repos/webhooks.js';
import { SeedError } from './load.js';
import type { Seed, SeedBot, SeedMessage, SeedRef } from './schema.js';
import { eventPublisher } from '../../events/publisher.js';

const NO_CREDENTIALS = { webhook: null, token: null, session: null, secure: true };

/** What applying a seed did: how many of each it created (0 everywhere the second time). */
export interface SeedReport {
  people: number;
  webhooks: number;
  apps: number;
  bots: number;
  chats: number;
  dialogs: number;
}

/**
 * Applies a validated seed to a running portal's store. People and webhooks are written
 * directly (fixed ids and codes); apps through the apps domain; bots, chats and messages through
 * the REST methods themselves (as the seed's people and owners), so they are exactly what the API
 * would have made — events included. Stops at the first refusal with the method's own error.
 */
export async function applySeed(core: RestCore, seed: Seed): Promise<SeedReport> {
  const db = core.store.db;
  const ctx: DomainCtx = { db, clock: core.clock, portal: core.portal, profile: core.profile, events: eventPublisher, cache: core.store.cache, files: core.files };
  const report: SeedReport = { people: 0, webhooks: 0, apps: 0, bots: 0, chats: 0, dialogs: 0 };
  const scopes = [...SERVED_SCOPES];

  for (const p of seed.people ?? []) {
    const fields = {
      name: p.name,
      last_name: p.last_name ?? '',
      email: p.email ?? '',
      is_admin: p.admin ? 1 : 0,
      work_position: p.work_position ?? '',
      personal_gender: p.gender ?? '',
    };
    const existing = await findUserKind(db, p.id);
    if (existing?.external_auth_id === 'bot') throw new SeedError(`people: id ${p.id} is a bot on this portal`);
    if (existing) await updateSeedPerson(db, p.id, fields);
    else {
      await insertSeedPerson(db, p.id, fields, core.clock.now());
      report.people++;
    }
  }
  if (report.people > 0) await continueIdSequences(db, core.store.dialect, ['users']);

  for (const w of seed.webhooks ?? []) {
    const scope = w.scope ?? scopes.join(',');
    const existing = await webhookIdByCode(db, w.code);
    if (existing !== null) {
      await updateSeedWebhook(db, existing, { user_id: w.user, scope: scope.split(',').map((s) => s.trim()).filter(Boolean).join(','), title: w.title ?? '' });
    } else {
      await addWebhook(db, core.clock, { userId: w.user, scope, code: w.code, title: w.title ?? '' }).catch((err: Error) => {
        throw new SeedError(`webhooks: ${w.code}: ${err.message}`);
      });
      report.webhooks++;
    }
  }

  for (const a of seed.apps ?? []) {
    if (await appIdsByClientId(db, a.client_id)) continue;
    const app = await addApp(ctx, {
      name: a.name, scope: a.scope, clientId: a.client_id, clientSecret: a.client_secret,
      handlerUrl: a.handler_url, installUrl: a.install_url, redirectUri: a.redirect_uri, install: a.installed !== false,
    }).catch((err: Error) => {
      throw new SeedError(`apps: ${a.client_id}: ${err.message}`);
    });
    if (a.installed !== false && app.active && !app.installed) await installApp(ctx, a.client_id);
    report.apps++;
  }

  const adminHook = await firstWebhookOf(db, 1);
  const person = async (userId: number): Promise<Caller> => {
    const u = await findUserKind(db, userId);
    if (!u) throw new SeedError(`user ${userId} does not exist (add it to people)`);
    return { authType: 'session', userId, isAdmin: !!u.is_admin, scopes, clientId: null, webhookId: null, appId: null };
  };
  const asWebhook: Caller = { authType: 'webhook', userId: 1, isAdmin: true, scopes, clientId: null, webhookId: adminHook, appId: null };
  const ownerOf = async (b: Pick<SeedBot, 'app'>): Promise<Caller> => {
    if (!b.app) return asWebhook;
    const app = await appIdsByClientId(db, b.app);
    if (!app) throw new SeedError(`bots: no app ${b.app} (add it to apps)`);
    return { authType: 'oauth', userId: 1, isAdmin: true, scopes, clientId: app.client_id, webhookId: null, appId: app.id };
  };
  const call = async (caller: Caller, method: string, params: Record<string, unknown>, what: string): Promise<any> => {
    try {
      return (await callMethod(core, { method, params, credentials: NO_CREDENTIALS, caller })).result;
    } catch (err) {
      if (err instanceof RestError) {
        const body = err.body() as { error: string; error_description: string };
        throw new SeedError(`${what}: ${method} refused: ${body.error}: ${body.error_description}`);
      }
      throw err;
    }
  };

  const botIds = new Map<string, { id: number; bot: SeedBot | null }>();
  const existingBot = (code: string) => seedBot(db, { code });

  for (const b of seed.bots ?? []) {
    const found = await existingBot(b.code);
    if (found) {
      botIds.set(b.code, { id: found.bot_id, bot: b });
      continue;
    }
    const what = `bots: ${b.code}`;
    let botId: number;
    if ((b.api ?? 1) === 1) {
      const h = b.handlers ?? {};
      const params: Record<string, unknown> = {
        CODE: b.code, TYPE: b.type ?? 'B', PROPERTIES: { NAME: b.name, LAST_NAME: b.last_name ?? '' },
        EVENT_MESSAGE_ADD: h.message_add, EVENT_WELCOME_MESSAGE: h.welcome_message ?? h.message_add, EVENT_BOT_DELETE: h.bot_delete ?? h.message_add,
        ...(h.message_update ? { EVENT_MESSAGE_UPDATE: h.message_update } : {}),
        ...(h.message_delete ? { EVENT_MESSAGE_DELETE: h.message_delete } : {}),
        ...(h.context_get ? { EVENT_CONTEXT_GET: h.context_get } : {}),
        ...(b.client_id ? { CLIENT_ID: b.client_id } : {}),
      };
      botId = Number(await call(await ownerOf(b), 'imbot.register', params, what));
      for (const c of b.commands ?? []) {
        await call(await ownerOf(b), 'imbot.command.register', {
          BOT_ID: botId, COMMAND: c.command, COMMON: c.common ? 'Y' : 'N', HIDDEN: c.hidden ? 'Y' : 'N',
          EVENT_COMMAND_ADD: c.handler ?? h.message_add, LANG: [{ LANGUAGE_ID: 'en', TITLE: c.title ?? '', PARAMS: c.params ?? '' }],
          ...(b.client_id ? { CLIENT_ID: b.client_id } : {}),
        }, `${what}: command ${c.command}`);
      }
    } else {
      const fields: Record<string, unknown> = { code: b.code, properties: { name: b.name, lastName: b.last_name ?? '' } };
      if (b.type) fields.type = b.type;
      if (b.event_mode) fields.eventMode = b.event_mode;
      if (b.webhook_url) fields.webhookUrl = b.webhook_url;
      const r = await call(asWebhook, 'imbot.v2.Bot.register', { botToken: b.bot_token, fields }, what);
      botId = Number(r.bot.id);
      for (const c of b.commands ?? []) {
        await call(asWebhook, 'imbot.v2.Command.register', {
          botId, botToken: b.bot_token,
          fields: { command: c.command, common: !!c.common, hidden: !!c.hidden, ...(c.title ? { title: { en: c.title } } : {}), ...(c.params ? { params: { en: c.params } } : {}) },
        }, `${what}: command ${c.command}`);
      }
    }
    botIds.set(b.code, { id: botId, bot: b });
    report.bots++;
  }

  const resolve = async (r: SeedRef): Promise<number> => {
    if (typeof r === 'number') return r;
    const code = r.slice(4);
    const known = botIds.get(code);
    if (known) return known.id;
    const found = await existingBot(code);
    if (!found) throw new SeedError(`no bot ${code} (add it to bots)`);
    botIds.set(code, { id: found.bot_id, bot: null });
    return found.bot_id;
  };
  /** A message as its author sends it: a person through im.message.add, a bot through imbot.message.add. */
  const send = async (m: SeedMessage, dialogId: string, what: string) => {
    if (typeof m.from === 'number') return call(await person(m.from), 'im.message.add', { DIALOG_ID: dialogId, MESSAGE: m.text }, what);
    const botId = await resolve(m.from);
    const bot = botIds.get(m.from.slice(4))?.bot;
    const row = await seedBot(db, { botId });
    if (!row) throw new SeedError(`${what}: bot ${botId} is gone`);
    if (row.api_version === 2) {
      return call(asWebhook, 'imbot.v2.Chat.Message.send', { botId, botToken: row.bot_token, dialogId, fields: { message: m.text } }, what);
    }
    const clientId = row.app_id.startsWith('custom') ? row.app_id.slice('custom'.length) : undefined;
    const owner = clientId !== undefined ? asWebhook : await ownerOf({ app: bot?.app ?? row.app_id });
    return call(owner, 'imbot.message.add', { BOT_ID: botId, DIALOG_ID: dialogId, MESSAGE: m.text, ...(clientId !== undefined ? { CLIENT_ID: clientId } : {}) }, what);
  };

  for (const c of seed.chats ?? []) {
    const what = `chats: ${c.title}`;
    if ((await groupChatByTitle(db, c.title)) !== null) continue;
    const owner = await resolve(c.owner ?? 1);
    const members = [];
    for (const m of c.members ?? []) members.push(await resolve(m));
    const chatId = Number(await call(await person(owner), 'im.chat.add', { TYPE: c.type === 'open' ? 'OPEN' : 'CHAT', TITLE: c.title, USERS: members.filter((m) => m !== owner) }, what));
    for (const m of c.messages ?? []) await send(m, `chat${chatId}`, what);
    report.chats++;
  }

  for (const d of seed.dialogs ?? []) {
    const [a, b] = [await resolve(d.between[0]), await resolve(d.between[1])];
    const what = `dialogs: ${a} and ${b}`;
    const [lo, hi] = a < b ? [a, b] : [b, a];
    const chat = await dialogChatId(db, lo, hi);
    if (chat !== null && (await hasAuthoredMessage(db, chat))) continue;
    for (const m of d.messages) {
      const from = await resolve(m.from);
      if (from !== a && from !== b) throw new SeedError(`${what}: a message from ${m.from}, who is not in this dialog`);
      await send(m, String(from === a ? b : a), what);
    }
    report.dialogs++;
  }
  return report;
}
