import { BOT_EVENT_FIELDS } from '../../bots/bindings.js';
import type { Db } from '../../store/db.js';
import { listBindingHandlers } from '../../store/repos/event-bindings.js';
import { authoredMessages, chatMemberIds, readPortalContents } from '../../store/repos/seed.js';
import type { SeedInput } from './schema.js';

type Obj = Record<string, unknown>;

/** Leaves out the keys whose value is undefined or '' (the seed's defaults). */
function compact<T extends Obj>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as T;
}

const HANDLER_KEYS: Record<string, string> = {
  ONIMBOTMESSAGEADD: 'message_add',
  ONIMBOTMESSAGEUPDATE: 'message_update',
  ONIMBOTMESSAGEDELETE: 'message_delete',
  ONIMBOTCONTEXTGET: 'context_get',
  ONIMBOTJOINCHAT: 'welcome_message',
  ONIMBOTDELETE: 'bot_delete',
};

/** A webhook bot's handler URLs carry `CLIENT_ID=…`, which registering appends again: drop it. */
function withoutClientId(url: string): string {
  return url.replace(/([?&])CLIENT_ID=[^&]*(&|$)/, (_a, sep: string, end: string) => (end ? sep : '')).replace(/[?&]$/, '');
}

/**
 * The portal in the seed format (`imbot-server export`): people, webhooks, apps, bots with their
 * handlers and commands, group chats with members and messages, 1:1 dialogs with messages.
 * Bots are referred to as `bot:<code>`, so the file seeds a fresh portal whatever ids it hands out.
 */
export async function exportSeed(db: Db): Promise<SeedInput> {
  const portal = await readPortalContents(db, 'en');
  const { users, bots } = portal;
  const botCode = new Map(bots.map((b) => [b.bot_id, b.code]));
  const ref = (id: number) => (botCode.has(id) ? `bot:${botCode.get(id)}` : id);
  const seed: SeedInput = { version: 1 };

  seed.people = users
    .filter((u) => u.external_auth_id !== 'bot')
    .map((u) => compact({ id: u.id, name: u.name, last_name: u.last_name, email: u.email, admin: u.is_admin ? true : undefined, work_position: u.work_position, gender: (u.personal_gender || undefined) as 'M' | 'F' | undefined }));

  seed.webhooks = portal.webhooks.map((w) =>
    compact({ user: w.user_id, code: w.code, scope: w.scope.split(',').filter(Boolean), title: w.title }),
  );

  seed.apps = portal.apps.map((a) =>
    compact({ client_id: a.client_id, client_secret: a.client_secret, name: a.name, scope: a.scope, handler_url: a.handler_url, install_url: a.install_url, redirect_uri: a.redirect_uri !== a.handler_url ? a.redirect_uri : undefined, installed: !!(a.active && a.installed) }),
  );

  const bindings = await listBindingHandlers(db);
  const { commands, commandLangs: langs } = portal;
  const person = new Map(users.map((u) => [u.id, u]));
  seed.bots = bots.map((b) => {
    const u = person.get(b.bot_id);
    const base = { code: b.code, name: u?.name ?? b.code, last_name: u?.last_name };
    const cmds = commands
      .filter((c) => c.bot_id === b.bot_id)
      .map((c) => {
        const l = langs.find((x) => x.command_id === c.id);
        return compact({ command: c.command, title: l?.title, params: l?.params, common: c.common === 'Y' ? true : undefined, hidden: c.hidden === 'Y' ? true : undefined });
      });
    const withCommands = cmds.length ? { commands: cmds } : {};
    if (b.api_version === 2) {
      return compact({ ...base, api: 2 as const, bot_token: b.bot_token ?? undefined, event_mode: b.event_mode === 'WEBHOOK' ? ('webhook' as const) : undefined, webhook_url: b.webhook_url, ...withCommands });
    }
    const custom = b.app_id.startsWith('custom');
    const token = custom ? b.app_id.slice('custom'.length) : b.app_id;
    const handlers: Record<string, string> = {};
    for (const x of bindings) {
      const key = HANDLER_KEYS[x.event_name];
      if (key && x.application_token === token && Object.values(BOT_EVENT_FIELDS).includes(x.event_name as never)) handlers[key] = withoutClientId(x.handler_url);
    }
    return compact({ ...base, type: b.type !== 'B' ? b.type : undefined, ...(custom ? { client_id: token } : { app: token }), handlers, ...withCommands });
  });

  const messagesOf = async (chatId: number) =>
    (await authoredMessages(db, chatId))
      .map((m) => ({ from: ref(m.author_id), text: m.text }))
      .filter((m) => m.text !== '');

  seed.chats = [];
  for (const c of portal.groupChats) {
    const members = await chatMemberIds(db, c.id);
    seed.chats.push({ title: c.title, type: c.type === 'O' ? 'open' : 'chat', owner: ref(c.owner_id), members: members.map((m) => ref(m)), messages: await messagesOf(c.id) });
  }

  seed.dialogs = [];
  for (const d of portal.dialogs) {
    const messages = await messagesOf(d.chat_id);
    if (messages.length) seed.dialogs.push({ between: [ref(d.user_lo), ref(d.user_hi)], messages });
  }
  return seed;
}
