/**
 * The portal seen as a seed (`imbot-server export`, `POST /__control/seed`): reads across every
 * aggregate in a stable order (a deliberate cross-aggregate reader, listed in
 * test/architecture.test.ts). The writes a seed makes with fixed ids are users.ts's and
 * webhooks.ts's; everything else a seed creates goes through the domain and the REST methods
 * (src/harness/seed/apply.ts).
 */
import type { Selectable } from 'kysely';
import type { Db } from '../db.js';
import type { AppsTable, BotsTable, ChatsTable, CommandLangsTable, CommandsTable, PrivateDialogsTable, UsersTable, WebhooksTable } from '../schema.js';

export interface PortalContents {
  users: Selectable<UsersTable>[];
  bots: Selectable<BotsTable>[];
  webhooks: Selectable<WebhooksTable>[];
  apps: Selectable<AppsTable>[];
  commands: Selectable<CommandsTable>[];
  /** command titles and params in `languageId` */
  commandLangs: Selectable<CommandLangsTable>[];
  /** group chats (C, O) that are not bound to an entity */
  groupChats: Selectable<ChatsTable>[];
  dialogs: Selectable<PrivateDialogsTable>[];
}

/** What an export reads, each list in id order. */
export async function readPortalContents(db: Db, languageId: string): Promise<PortalContents> {
  return {
    users: await db.selectFrom('users').selectAll().orderBy('id').execute(),
    bots: await db.selectFrom('bots').selectAll().orderBy('bot_id').execute(),
    webhooks: await db.selectFrom('webhooks').selectAll().orderBy('id').execute(),
    apps: await db.selectFrom('apps').selectAll().orderBy('id').execute(),
    commands: await db.selectFrom('commands').selectAll().orderBy('id').execute(),
    commandLangs: await db.selectFrom('command_langs').selectAll().where('language_id', '=', languageId).execute(),
    groupChats: await db.selectFrom('chats').selectAll().where('type', 'in', ['C', 'O']).where('entity_type', '=', '').orderBy('id').execute(),
    dialogs: await db.selectFrom('private_dialogs').selectAll().orderBy('chat_id').execute(),
  };
}

/** A chat's members' ids, ascending. */
export async function chatMemberIds(db: Db, chatId: number): Promise<number[]> {
  return (await db.selectFrom('chat_members').select('user_id').where('chat_id', '=', chatId).orderBy('user_id').execute()).map((m) => m.user_id);
}

/** A chat's visible messages written by someone (not system, not deleted), oldest first. */
export function authoredMessages(db: Db, chatId: number): Promise<{ author_id: number; text: string }[]> {
  return db.selectFrom('messages').select(['author_id', 'text']).where('chat_id', '=', chatId).where('system', '=', 'N').where('deleted', '=', 0).where('author_id', '>', 0).orderBy('id').execute();
}

/** Does the chat have any non-system message? */
export async function hasAuthoredMessage(db: Db, chatId: number): Promise<boolean> {
  return !!(await db.selectFrom('messages').select('id').where('chat_id', '=', chatId).where('system', '=', 'N').executeTakeFirst());
}

/** The group chat (C or O) with this exact title, if any. */
export async function groupChatByTitle(db: Db, title: string): Promise<number | null> {
  const row = await db.selectFrom('chats').select('id').where('title', '=', title).where('type', 'in', ['C', 'O']).executeTakeFirst();
  return row ? row.id : null;
}

/** The 1:1 chat of two users (`lo` < `hi`), if any. */
export async function dialogChatId(db: Db, lo: number, hi: number): Promise<number | null> {
  const row = await db.selectFrom('private_dialogs').select('chat_id').where('user_lo', '=', lo).where('user_hi', '=', hi).executeTakeFirst();
  return row ? row.chat_id : null;
}

export function findUserKind(db: Db, id: number): Promise<{ id: number; external_auth_id: string; is_admin: number } | undefined> {
  return db.selectFrom('users').select(['id', 'external_auth_id', 'is_admin']).where('id', '=', id).executeTakeFirst();
}

export async function webhookIdByCode(db: Db, code: string): Promise<number | null> {
  const row = await db.selectFrom('webhooks').select('id').where('code', '=', code).executeTakeFirst();
  return row ? row.id : null;
}

/** The first webhook of a user (the admin's, which seeded bots are registered through). */
export async function firstWebhookOf(db: Db, userId: number): Promise<number | null> {
  const row = await db.selectFrom('webhooks').select('id').where('user_id', '=', userId).orderBy('id').executeTakeFirst();
  return row ? row.id : null;
}

export function appIdsByClientId(db: Db, clientId: string): Promise<{ id: number; client_id: string } | undefined> {
  return db.selectFrom('apps').select(['id', 'client_id']).where('client_id', '=', clientId).executeTakeFirst();
}

/** A bot's owner and API, by code or by id. */
export function seedBot(db: Db, by: { code: string } | { botId: number }): Promise<{ bot_id: number; app_id: string; api_version: number; bot_token: string | null } | undefined> {
  const q = db.selectFrom('bots').select(['bot_id', 'app_id', 'api_version', 'bot_token']);
  return ('code' in by ? q.where('code', '=', by.code) : q.where('bot_id', '=', by.botId)).executeTakeFirst();
}
